#!/usr/bin/env python3
"""bench/order.py: write src/hawk.order, the functions a hawk run executes, for the link layout.

hawk links LLVM statically; its ~190 static initialisers and a compile call functions spread
over 17 MB of text, and each page fault maps 16 pages around it, so a run touched 7.5 MiB of
text before main and 12.7 MiB by exit. Linked with lld's --symbol-ordering-file on this list
(meson.build), the functions that run sit together. This script runs hawk under callgrind on
a few typical programs and lists, in first-run order, every function of the hawk binary that
ran. Rerun it after an LLVM upgrade or a large change of what a run calls (needs root,
valgrind; about 2 minutes):  bench/order.py build/hawk
"""
import os
import re
import subprocess
import sys
import tempfile

PROGRAMS = [
    'BEGIN { exit() }',
    'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); } BEGIN { exit() }',
    'tracepoint:sched:sched_switch { @[args->prev_comm] = count(); } BEGIN { exit() }',
    'tracepoint:sched:sched_switch { @[((struct task_struct *)curtask)->parent->pid] = count(); } BEGIN { exit() }',
    'tracepoint:syscalls:sys_enter_getppid { @ = count(); @h = hist(nsecs & 0xffff); '
    '@k[comm, tid] = count(); printf("%d %s\\n", tid, comm); } BEGIN { exit() }',
    'tracepoint:syscalls:sys_enter_read /pid > 1/ { @[str(args->buf)] = sum(args->count); '
    '@l = lhist(args->count, 0, 100, 10); @s = stats(args->count); } '
    'interval:ms:10 { print(@s); time("%H\\n"); exit(); }',
]


def executed(path, binary):
    """Functions of `binary` that ran, in the order callgrind first lists them."""
    with open(path, errors='replace') as f:
        lines = f.read().splitlines()
    obs, fns = {}, {}
    for line in lines:   # callgrind names an object or function once, at its first mention
        m = re.match(r'^c?(ob|fn)=\((\d+)\) (.*)$', line)
        if m:
            (obs if m.group(1) == 'ob' else fns)[m.group(2)] = m.group(3)
    out, ob = [], None
    for line in lines:
        m = re.match(r'^(ob|fn)=\((\d+)\)', line)
        if not m:
            continue
        if m.group(1) == 'ob':
            ob = obs.get(m.group(2))
        elif ob == binary and m.group(2) in fns:
            out.append(fns[m.group(2)].split("'")[0])   # drop callgrind's 'N context marks
    return out


def main():
    hawk = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else 'build/hawk')
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'hawk.order')
    seen, order = set(), []
    with tempfile.TemporaryDirectory(prefix='hawk-order-') as tmp:
        for i, prog in enumerate(PROGRAMS):
            out = os.path.join(tmp, f'p{i}.out')
            subprocess.run(['valgrind', '--tool=callgrind', '--demangle=no',
                            f'--callgrind-out-file={out}', hawk, '-e', prog],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            for name in executed(out, hawk):
                if name not in seen:
                    seen.add(name)
                    order.append(name)
            print(f'{len(order):6} functions after: {prog}', file=sys.stderr)
    with open(dest, 'w') as f:
        f.write(''.join(n + '\n' for n in order))
    print(f'wrote {os.path.normpath(dest)}', file=sys.stderr)


if __name__ == '__main__':
    main()
