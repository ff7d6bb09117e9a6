#!/usr/bin/env python3
"""normalise_test.py: the 0.17 normalisation rules of run.py on captured output, as TAP.

No bpftrace and no root needed: each case is text bpftrace 0.17 printed (captured on this
machine when the rule was written) and the text the rule must turn it into, so a rule that
stops working fails here, not only on the run where 0.17 happens to show the bug."""
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('compare_run', os.path.join(here, 'run.py'))
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


class Res:
    def __init__(self, stdout):
        self.stdout, self.stderr, self.rc, self.error, self.pids = stdout, '', 0, None, []


class Case:
    def __init__(self, prog):
        self.prog = prog


CASES = [
    # opens-return-values, 2026-12-04: 0.17's ternary string key kept the bytes after
    # "ok"'s NUL uninitialised, so one printed key was two map keys.
    ('duplicate string keys of a count map are merged (0.17 bug)',
     'tracepoint:syscalls:sys_exit_openat /comm == "x"/ { @[args->ret >= 0 ? "ok" : "failed"] = count(); }',
     'Attaching 1 probe...\n\n\n@[failed]: 1\n@[ok]: 2\n@[ok]: 4\n',
     ['', '', '@[failed]: 1', '@[ok]: 6', ''],
     'Attached 1 probe'),
    ('merged entries are re-sorted by value',
     'tracepoint:syscalls:sys_enter_read /comm == "x"/ { @[$1 > 0 ? "ok" : "failed"] = sum(2); }',
     'Attaching 1 probe...\n\n\n@[ok]: 2\n@[failed]: 3\n@[ok]: 4\n',
     ['', '', '@[failed]: 3', '@[ok]: 6', ''],
     'Attached 1 probe'),
    ('a map that is not count or sum is left alone',
     'BEGIN { @[1 ? "a" : "b"] = 5; @[0 ? "a" : "b"] = 6; }',
     'Attaching 1 probe...\n\n\n@[a]: 5\n@[a]: 6\n',
     ['', '', '@[a]: 5', '@[a]: 6', ''],
     'Attached 1 probe'),
]


def main():
    print(f'1..{len(CASES) + 1}')
    bad = 0
    for n, (name, prog, out017, want, _) in enumerate(CASES, 1):
        case = Case(prog)
        got = run.normalise_017(Res(out017), case, run.map_kinds(prog))[2:]
        ok = got == want
        bad += not ok
        print(f'{"ok" if ok else "not ok"} {n} - {name}')
        if not ok:
            print(f'#   want {want!r}\n#   got  {got!r}')
    # hawk's own output is never merged: a duplicate key there is a hawk bug to see.
    prog = CASES[0][1]
    got = run.normalise_hawk(Res('\n\n@[ok]: 2\n@[ok]: 4\n'), Case(prog), run.map_kinds(prog))[2:]
    ok = got == ['', '', '@[ok]: 2', '@[ok]: 4', '']
    bad += not ok
    print(f'{"ok" if ok else "not ok"} {len(CASES) + 1} - hawk\'s output keeps duplicate keys')
    if not ok:
        print(f'#   got {got!r}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
