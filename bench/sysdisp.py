#!/usr/bin/env python3
"""bench/sysdisp.py: syscall tracepoints through the raw-syscall dispatch or one perf event each.

Usage: bench/sysdisp.py [build/hawk] [--bpftrace PATH|none] [--rounds N] [--calls N] [--runs N]
                        [--sizes 1,2,4,...] [--only cost,startup]

What the choice between the two forms costs (src/codegen/cg_sysdisp.c; config syscall_dispatch):
  cost     ns added to one getppid() by a program that does not trace it
           (sys_enter_openat, and sys_enter_s*), and by one that does (sys_enter_getppid),
           in each form: untraced / never / untraced / always / untraced runs, the traced runs'
           figure minus the mean of the untraced ones beside it, median over rounds (run.py's
           method and workload).
  startup  spawn to reap of `SYSCALLS { @[probe] = count(); } BEGIN { exit() }` for the first
           N syscall tracepoints (sorted) in each form, and sys_enter_s*, sys_enter_* beside
           bpftrace; each run waits for the last one's detached teardown first.
"""

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: Tracer, run_loop, median)

FORMS = ('never', 'always')


def tool(path, form):
    return run.Tool(form, path, {'HAWK_NOTIFY_ATTACHED': '1', 'HAWK_SYSCALL_DISPATCH': form},
                    '__HAWK_PROBES_ATTACHED__')


def syscalls():
    d = '/sys/kernel/tracing/events/syscalls'
    return sorted(e[len('sys_enter_'):] for e in os.listdir(d) if e.startswith('sys_enter_'))


def detachers():
    """hawk processes reparented to init: a run's detached teardown (rt_links_release)."""
    out = subprocess.run(['ps', '-eo', 'ppid=,comm='], capture_output=True, text=True).stdout
    return sum(1 for l in out.splitlines() if l.split()[:2] == ['1', 'hawk'])


def settle(limit=60):
    t0 = time.monotonic()
    while detachers() and time.monotonic() - t0 < limit:
        time.sleep(0.2)


def spawn(argv, env):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=dict(os.environ, **env))
    _, status, _ = os.wait4(p.pid, 0)
    return time.monotonic() - t0, os.waitstatus_to_exitcode(status)


def bench_cost(hawk, loop, rounds, calls, log):
    progs = [
        ('untraced: sys_enter_openat', 'tracepoint:syscalls:sys_enter_openat { @ = count(); }'),
        ('untraced: sys_enter_openat + sys_exit_openat',
         'tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_exit_openat { @ = count(); }'),
        ('untraced: sys_enter_s* (72)', 'tracepoint:syscalls:sys_enter_s* { @ = count(); }'),
        ('traced: sys_enter_getppid', 'tracepoint:syscalls:sys_enter_getppid { @ = count(); }'),
    ]
    rows = []
    for label, prog in progs:
        d = {f: [] for f in FORMS}
        for r in range(rounds):
            before = run.run_loop(loop, '-n', calls)
            for f in (FORMS if r % 2 == 0 else FORMS[::-1]):
                settle()
                with run.Tracer(tool(hawk, f), prog) as tr:
                    tr.wait_attached()
                    traced = run.run_loop(loop, '-n', calls)
                after = run.run_loop(loop, '-n', calls)
                d[f].append(traced['ns_per_call_med'] - (before['ns_per_call_med'] + after['ns_per_call_med']) / 2)
                before = after
            log(f'  round {r + 1}/{rounds} {label:44} ' +
                '  '.join(f'{f} +{d[f][-1]:.0f}' for f in FORMS) + f'  (untraced {before["ns_per_call_med"]:.0f} ns)')
        rows.append((label, run.median(d['never']), run.median(d['always'])))
    print('\n| getppid() ns added | per-tracepoint | dispatch | dispatch - per-tracepoint |')
    print('|---|---|---|---|')
    for label, n, a in rows:
        print(f'| {label} | {n:.0f} | {a:.0f} | {a - n:+.0f} |')
    return rows


def bench_startup(hawk, bpftrace, sizes, runs, log):
    names = syscalls()
    progs = []
    for n in sizes:
        sel = names[:n]
        progs.append((f'{n} syscall tracepoint{"s" if n > 1 else ""}',
                      ', '.join(f'tracepoint:syscalls:sys_enter_{s}' for s in sel)))
    progs.append((f'sys_enter_s* ({sum(1 for s in names if s.startswith("s"))})', 'tracepoint:syscalls:sys_enter_s*'))
    progs.append((f'sys_enter_* ({len(names)})', 'tracepoint:syscalls:sys_enter_*'))
    print('\n| `... { @[probe] = count(); } BEGIN { exit() }`, start to exit | per-tracepoint | dispatch | auto | bpftrace |')
    print('|---|---|---|---|---|')
    for label, aps in progs:
        prog = aps + ' { @[probe] = count(); } BEGIN { exit() }'
        res = {}
        for form in FORMS + ('auto',):
            xs = []
            for _ in range(runs):
                settle()
                w, rc = spawn([hawk, '-e', prog], {'HAWK_SYSCALL_DISPATCH': form})
                if rc:
                    log(f'  {label}: hawk ({form}) exit status {rc}')
                xs.append(w)
            res[form] = xs
        bt = []
        if bpftrace and ('*' in aps):
            for _ in range(1 if aps.endswith('sys_enter_*') else runs):
                settle()
                w, rc = spawn([bpftrace, '-e', prog], {})
                if rc:
                    log(f'  {label}: bpftrace exit status {rc}')
                bt.append(w)
        cell = lambda xs: ' '.join(f'{x:.3f}' for x in sorted(xs)) + ' s' if xs else ''
        log(f'  {label}: ' + '  '.join(f'{f} {cell(res[f])}' for f in res) + (f'  bpftrace {cell(bt)}' if bt else ''))
        print(f'| {label} | {cell(res["never"])} | {cell(res["always"])} | {cell(res["auto"])} | {cell(bt)} |')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('hawk', nargs='?', default='build/hawk')
    ap.add_argument('--bpftrace', default='/usr/bin/bpftrace')
    ap.add_argument('--loop')
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--calls', type=int, default=1000000)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--sizes', default='1,2,4,8,16,32')
    ap.add_argument('--only', default='cost,startup')
    a = ap.parse_args()
    if os.geteuid():
        sys.exit('bench/sysdisp.py: needs root')
    bpftrace = None if a.bpftrace == 'none' else a.bpftrace
    loop = run.find_loop(a.hawk, a.loop)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    with open('/proc/loadavg') as f:
        print(f'load {f.read().split()[0]}; {a.hawk}; rounds {a.rounds}, calls {a.calls}, runs {a.runs}')
    if 'cost' in a.only:
        bench_cost(a.hawk, loop, a.rounds, a.calls, log)
    if 'startup' in a.only:
        bench_startup(a.hawk, bpftrace, [int(x) for x in a.sizes.split(',')], a.runs, log)


if __name__ == '__main__':
    main()
