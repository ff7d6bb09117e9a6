#!/usr/bin/env python3
"""run.py: run each case under bpftrace 0.17 and hawk on the same workload; compare stdout (TAP).

Usage: run.py --hawk PATH --workload PATH [--bpftrace PATH] [-k SUBSTR] [--keep DIR] [-v] CASES...

Both tools run as root, one case at a time (the cases filter on the workload's comm).
The normalisation rules, and why each is sound, are in tests/compare/README.md; they are
the functions named norm_* below, applied to 0.17's output only (except the ones marked
'both'). Exit status: 0 when every case matches, 1 otherwise (a missing bpftrace fails).
"""

import argparse
import difflib
import os
import random
import re
import shlex
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time

BPFTRACE_TOKEN = '__BPFTRACE_NOTIFY_PROBES_ATTACHED'
HAWK_TOKEN = '__HAWK_PROBES_ATTACHED__'
ATTACH_TIMEOUT = 60.0      # seconds to wait for the attach notification
SIGINT_REPEAT = 10.0       # seconds between repeated SIGINTs to a tool that does not exit
EXIT_TIMEOUT = 120.0       # seconds to wait for a tool to exit (0.17 detaches 360 probes slowly)


# ---------------------------------------------------------------------------------------
# Cases

class Case:
    def __init__(self, name, where):
        self.name = name
        self.where = where
        self.runs = []        # (workload argv, expected to fail), run one after another
        self.end = 'sigint'   # 'sigint': SIGINT after the workload; 'self': the program exits
        self.delay = 0.2      # seconds between the workload's end and SIGINT
        self.note = ''
        self.prog = ''


def parse_cases(path):
    """=== NAME, then 'key: value' lines (run, run-fails, end, delay, note), '---', the program.
    Lines starting with '# ' (or a lone '#') are comments everywhere, programs included."""
    cases, cur, in_prog, prog = [], None, False, []

    def finish():
        if cur is not None:
            cur.prog = '\n'.join(prog).strip() + '\n'
            if not cur.prog.strip():
                sys.exit(f'{cur.where}: case {cur.name} has no program')
            cases.append(cur)

    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if line.startswith('=== '):
                finish()
                cur, in_prog, prog = Case(line[4:].strip(), f'{path}:{n}'), False, []
            elif cur is None or line.startswith('# ') or line == '#':
                continue
            elif not in_prog and not line.strip():
                continue
            elif in_prog:
                prog.append(line)
            elif line == '---':
                in_prog = True
            else:
                key, sep, val = line.partition(':')
                key, val = key.strip(), val.strip()
                if not sep:
                    sys.exit(f'{path}:{n}: expected "key: value" or "---"')
                if key in ('run', 'run-fails'):
                    cur.runs.append((shlex.split(val), key == 'run-fails'))
                elif key == 'end' and val in ('sigint', 'self'):
                    cur.end = val
                elif key == 'delay':
                    cur.delay = float(val)
                elif key == 'note':
                    cur.note = val
                else:
                    sys.exit(f'{path}:{n}: unknown key or value: {line}')
    finish()
    names = [c.name for c in cases]
    dup = {x for x in names if names.count(x) > 1}
    if dup:
        sys.exit(f'{path}: duplicate case names: {", ".join(sorted(dup))}')
    return cases


# ---------------------------------------------------------------------------------------
# Running one tool

class Result:
    def __init__(self):
        self.stdout = ''
        self.stderr = ''
        self.rc = None
        self.pids = []        # workload pids, for norm_pids
        self.error = None     # harness-level failure (timeout, no attach)
        self.sigints = 0      # SIGINTs repeated because the first one went unanswered


def wait_token(proc, errpath, token, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = proc.poll() is not None
        with open(errpath, errors='replace') as f:
            if token in f.read():
                return True
        if exited:
            return False
        time.sleep(0.02)
    return False


def run_tool(argv, env_extra, token, case, workload, tmp, scratch):
    # A binary being relinked by a concurrent build cannot be executed for a moment.
    for _ in range(30):
        try:
            return run_tool_once(argv, env_extra, token, case, workload, tmp, scratch)
        except (PermissionError, FileNotFoundError) as e:
            err = e
            time.sleep(1)
        except (OSError, subprocess.SubprocessError) as e:
            err = e
            break
    res = Result()
    res.error = f'cannot run {argv[0]}: {err}'
    return res


def run_tool_once(argv, env_extra, token, case, workload, tmp, scratch):
    res = Result()
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    outp, errp = os.path.join(tmp, 'stdout'), os.path.join(tmp, 'stderr')
    env = dict(os.environ, **env_extra)
    with open(outp, 'w') as out, open(errp, 'w') as err:
        proc = subprocess.Popen(argv + ['-e', case.prog], stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, env=env, start_new_session=True)
    try:
        attached = wait_token(proc, errp, token, ATTACH_TIMEOUT)
        if not attached:
            res.error = ('exited without attaching' if proc.poll() is not None else
                         f'no attach notification within {ATTACH_TIMEOUT:.0f} s')
        if attached:
            for args, should_fail in case.runs:
                w = subprocess.Popen([workload] + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                res.pids.append(w.pid)
                _, werr = w.communicate(timeout=60)
                if (w.returncode != 0) != should_fail:
                    res.error = (f'workload {shlex.join(args)} exited {w.returncode}: '
                                 f'{werr.decode(errors="replace").strip()}')
        sigint = case.end == 'sigint' and proc.poll() is None
        if sigint:
            time.sleep(case.delay)
            os.killpg(proc.pid, signal.SIGINT)
        # 0.17 leaves its event loop only when epoll_wait fails with EINTR (poll_perf_events in
        # src/bpftrace.cpp): a SIGINT that lands while it is printing events is lost and it
        # runs on. A user would press Ctrl-C again, and so do we, every SIGINT_REPEAT seconds.
        deadline = time.monotonic() + EXIT_TIMEOUT
        while res.rc is None and time.monotonic() < deadline:
            try:
                res.rc = proc.wait(timeout=SIGINT_REPEAT if sigint else EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                if sigint:
                    os.killpg(proc.pid, signal.SIGINT)
                    res.sigints += 1
        if res.rc is None:
            res.error = res.error or f'did not exit within {EXIT_TIMEOUT:.0f} s'
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with open(outp, errors='replace') as f:
        res.stdout = f.read()
    with open(errp, errors='replace') as f:
        res.stderr = f.read()
    return res


# ---------------------------------------------------------------------------------------
# What the program says about its maps (for the type-dependent rules)

def skip_balanced(s, i, open_, close):
    """s[i] == open_; return the index after the matching close (strings respected)."""
    depth = 0
    while i < len(s):
        c = s[i]
        if c == '"':
            i += 1
            while i < len(s) and s[i] != '"':
                i += 2 if s[i] == '\\' else 1
        elif c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def split_args(s):
    """Top-level comma split of an argument list."""
    args, depth, cur, i = [], 0, '', 0
    while i < len(s):
        c = s[i]
        if c == '"':
            j = i + 1
            while j < len(s) and s[j] != '"':
                j += 2 if s[j] == '\\' else 1
            cur += s[i:j + 1]
            i = j + 1
            continue
        if c in '([':
            depth += 1
        elif c in ')]':
            depth -= 1
        if c == ',' and depth == 0:
            args.append(cur.strip())
            cur = ''
        else:
            cur += c
        i += 1
    if cur.strip():
        args.append(cur.strip())
    return args


AGGS = ('count', 'sum', 'avg', 'min', 'max', 'stats', 'hist', 'lhist')


def map_kinds(prog):
    """{'@name': ('lhist', min, max, step) | ('hist',) | ('avg',) ...} for aggregation maps."""
    kinds = {}
    for m in re.finditer(r'@[A-Za-z0-9_]*', prog):
        name, i = m.group(0), m.end()
        while i < len(prog) and prog[i].isspace():
            i += 1
        if i < len(prog) and prog[i] == '[':
            i = skip_balanced(prog, i, '[', ']')
        rest = prog[i:]
        a = re.match(r'\s*=(?!=)\s*([A-Za-z_]+)\s*\(', rest)
        if not a or a.group(1) not in AGGS:
            continue
        fn = a.group(1)
        if fn == 'lhist':
            start = i + a.end() - 1
            end = skip_balanced(prog, start, '(', ')')
            args = split_args(prog[start + 1:end - 1])
            lo, hi, step = (int(x, 0) for x in args[-3:])
            kinds[name] = ('lhist', lo, hi, step)
        else:
            kinds[name] = (fn,)
    return kinds


# ---------------------------------------------------------------------------------------
# Normalisation (rules documented in README.md, in this order)

ENTRY = re.compile(r'^(@[A-Za-z0-9_]*)(\[.*\])?: ?(.*)$')
HIST_ROW = re.compile(r'^(\(\.\.\., [^)]*\)|\[[^\]]*(?:\]|\)))\s+(\d+) \|([@ ]*)\|$')


def entry_map(line):
    m = ENTRY.match(line)
    return m.group(1) if m else None


def norm_attach_line(lines):
    """0.17: drop the leading 'Attaching N probe(s)...' line; return its N."""
    if lines and (m := re.fullmatch(r'Attaching (\d+) probes?\.\.\.', lines[0])):
        return lines[1:], int(m.group(1))
    return lines, None


def map_names(prog):
    """Every map the program names (string literals and comments aside), in 0.17's print
    order: byte order of the name."""
    code = re.sub(r'"(\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', ' ', prog, flags=re.S)
    return sorted(set(re.findall(r'@[A-Za-z0-9_]*', code)))


def parse_exit_dump(lines, start, names, kinds):
    """0.17's exit dump from lines[start]: two empty lines, then every map in name order.
    Returns the indexes of the lines that stand for empty maps, or None if it does not parse."""
    if lines[start:start + 2] != ['', '']:
        return None
    i, empty = start + 2, []
    for name in names:
        kind = kinds.get(name, ('other',))[0]
        if i < len(lines) and entry_map(lines[i]) == name:
            while i < len(lines) and entry_map(lines[i]) == name:
                i += 1
                if kind in ('hist', 'lhist'):
                    while i < len(lines) and HIST_ROW.match(lines[i]):
                        i += 1
                    if i >= len(lines) or lines[i] != '':
                        return None
                    i += 1
            if kind in ('avg', 'stats'):
                if i >= len(lines) or lines[i] != '':
                    return None
                i += 1
        else:
            n = 2 if kind in ('avg', 'stats') else 1
            if lines[i:i + n] != [''] * n:
                return None
            empty.extend(range(i, i + n))
            i += n
    return empty if lines[i:] == [''] else None


def norm_empty_maps(lines, prog, kinds):
    """0.17 prints a map with no entries at exit as an empty line (two for avg/stats maps);
    HEAD prints nothing (src/output/text.cpp emit_map). The dump is found as the earliest
    pair of empty lines from which the rest of the output parses as a dump of every map the
    program names; only those lines are dropped."""
    names = map_names(prog)
    if not names:
        return lines
    for start in range(len(lines) - 1):
        empty = parse_exit_dump(lines, start, names, kinds)
        if empty is not None:
            drop = set(empty)
            return [x for k, x in enumerate(lines) if k not in drop]
    return lines


def norm_hist_header(lines, kinds):
    """0.17 '@h: ' / '@h[k]: ' (hist and lhist maps) -> HEAD '@h:' (0.22)."""
    out = []
    for line in lines:
        name = entry_map(line)
        if name and kinds.get(name, ('',))[0] in ('hist', 'lhist') and line.endswith(': '):
            line = line[:-1]
        out.append(line)
    return out


def parse_label_num(tok):
    m = re.fullmatch(r'(-?\d+)([KMGTPE]?)', tok)
    if not m:
        return None
    power = 'KMGTPE'.index(m.group(2)) + 1 if m.group(2) else 0
    return int(m.group(1)) * 1024 ** power


def head_lhist_label(n, step):
    """HEAD lhist_index_label: K/M suffixes only when step % 1024 == 0."""
    if step % 1024 != 0 or n == 0:
        return str(n)
    if n % (1024 * 1024) == 0:
        return f'{n // (1024 * 1024)}M'
    if n % 1024 == 0:
        return f'{n // 1024}K'
    return str(n)


def norm_lhist_labels(lines, kinds):
    """0.17 lhist labels -> HEAD: '[a, a+1)' -> '[a]'; K/M only when step % 1024 == 0."""
    out, cur = [], None
    for line in lines:
        name = entry_map(line)
        if name:
            cur = kinds.get(name)
        m = HIST_ROW.match(line)
        if m and cur and cur[0] == 'lhist':
            step, label = cur[3], m.group(1)
            if label.startswith('(..., '):
                lo = parse_label_num(label[6:-1])
                label = f'(..., {head_lhist_label(lo, step)})'
            elif label.endswith(', ...)'):
                lo = parse_label_num(label[1:-6])
                label = f'[{head_lhist_label(lo, step)}, ...)'
            else:
                lo, hi = (parse_label_num(x) for x in label[1:-1].split(', '))
                if hi == lo + 1:
                    label = f'[{lo}]'
                else:
                    label = f'[{head_lhist_label(lo, step)}, {head_lhist_label(hi, step)})'
            line = f'{label:<16}{m.group(2):>8} |{m.group(3)}|'
        elif not m and not name:
            cur = None if line else cur
        out.append(line)
    return out


def norm_stats(lines, kinds):
    """0.17 'count C, average A, total T' -> HEAD '{ .count = C, .average = A, .total = T }'."""
    out = []
    for line in lines:
        m = ENTRY.match(line)
        if m and kinds.get(m.group(1), ('',))[0] == 'stats':
            s = re.fullmatch(r'count (-?\d+), average (-?\d+), total (-?\d+)', m.group(3))
            if s:
                line = (f'{m.group(1)}{m.group(2) or ""}: '
                        f'{{ .count = {s[1]}, .average = {s[2]}, .total = {s[3]} }}')
        out.append(line)
    return out


def norm_avg_stats_blank(lines, kinds):
    """0.17 ends every printed avg/stats map with an extra empty line; HEAD does not."""
    out = []
    for i, line in enumerate(lines):
        if (not line and i > 0 and (name := entry_map(lines[i - 1]))
                and kinds.get(name, ('',))[0] in ('avg', 'stats')):
            continue
        out.append(line)
    return out


def norm_percent(lines, prog):
    """0.17 printf prints '%%' verbatim; HEAD prints '%'. Only when a format has '%%'."""
    if '%%' not in prog:
        return lines
    return [line if entry_map(line) else line.replace('%%', '%') for line in lines]


def norm_pids(lines, pids):
    """(both) The workload's pids differ between runs: whole-number occurrences -> $PIDn."""
    for n, pid in enumerate(pids):
        pat = re.compile(rf'(?<![0-9]){pid}(?![0-9])')
        lines = [pat.sub(f'$PID{n}', line) for line in lines]
    return lines


def entries(lines, start):
    """The map entry at lines[start]: (end index, sort key text) or None."""
    m = ENTRY.match(lines[start])
    if not m:
        return None
    if m.group(3) == '' or lines[start].endswith(':'):   # histogram: rows then an empty line
        j, total = start + 1, 0
        while j < len(lines) and (r := HIST_ROW.match(lines[j])):
            total += int(r.group(2))
            j += 1
        if j < len(lines) and lines[j] == '':
            j += 1
        return j, str(total)
    v = m.group(3)
    s = re.match(r'\{ \.count = -?\d+, \.average = (-?\d+)', v)
    return start + 1, (s.group(1) if s else v)


def norm_equal_values(lines, kinds):
    """(both) Aggregation maps are printed sorted by value with an unstable sort: entries of
    one map with equal values come in hash order. Sort each such run of entries by its text."""
    out, i = [], 0
    while i < len(lines):
        name = entry_map(lines[i])
        if not name or name not in kinds:
            out.append(lines[i])
            i += 1
            continue
        run, key = [], None
        while i < len(lines) and entry_map(lines[i]) == name:
            end, k = entries(lines, i)
            if key is not None and k != key:
                break
            run.append(lines[i:end])
            key, i = k, end
        for e in sorted(run):
            out.extend(e)
    return out


def norm_duplicate_keys(lines, kinds):
    """0.17 only: a count or sum map whose string keys come from a ternary carries the
    uninitialised bytes after the shorter string's NUL, so one printed key can be two map
    keys (`@[ok]: 2` and `@[ok]: 4`). Entries of one dump that print the same key are merged
    (their values added) and the dump re-sorted by value, as it would print with one key."""
    out, i = [], 0
    while i < len(lines):
        name = entry_map(lines[i])
        if not name or kinds.get(name, ('',))[0] not in ('count', 'sum'):
            out.append(lines[i])
            i += 1
            continue
        dump = {}
        while i < len(lines) and (m := ENTRY.match(lines[i])) and m.group(1) == name \
                and re.fullmatch(r'-?\d+', m.group(3)):
            dump[m.group(2)] = dump.get(m.group(2), 0) + int(m.group(3))
            i += 1
        if not dump:                  # not integer entries after all
            out.append(lines[i])
            i += 1
            continue
        out.extend(f'{name}{k or ""}: {v}' for k, v in sorted(dump.items(), key=lambda kv: kv[1]))
    return out


def normalise_017(res, case, kinds):
    lines = res.stdout.split('\n')
    lines, nprobes = norm_attach_line(lines)
    lines = norm_empty_maps(lines, case.prog, kinds)
    lines = norm_hist_header(lines, kinds)
    lines = norm_lhist_labels(lines, kinds)
    lines = norm_stats(lines, kinds)
    lines = norm_avg_stats_blank(lines, kinds)
    lines = norm_percent(lines, case.prog)
    lines = norm_duplicate_keys(lines, kinds)
    return finish(lines, res, kinds, nprobes)


def normalise_hawk(res, case, kinds):
    m = re.search(r'^Attached (\d+) probes?$', res.stderr, re.M)
    return finish(res.stdout.split('\n'), res, kinds, int(m.group(1)) if m else None)


def finish(lines, res, kinds, nprobes):
    lines = norm_pids(lines, res.pids)
    lines = norm_equal_values(lines, kinds)
    head = [f'# probes attached: {nprobes}', f'# exit status: {res.rc}']
    if res.error:
        head.append(f'# harness error: {res.error}')
    return head + lines


# ---------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--hawk', required=True)
    ap.add_argument('--workload', required=True)
    ap.add_argument('--bpftrace', default=shutil.which('bpftrace') or '/usr/bin/bpftrace')
    ap.add_argument('-k', dest='only', help='run only cases whose name contains this')
    ap.add_argument('--keep', help='write raw and normalised outputs to this directory')
    ap.add_argument('-v', action='store_true', help='print normalised output of passing cases')
    ap.add_argument('cases', nargs='+')
    a = ap.parse_args()

    if not os.path.exists(a.bpftrace):
        print(f'Bail out! bpftrace is not installed ({a.bpftrace}); this comparison needs '
              'Debian bpftrace 0.17 (./setup.sh installs it; the test never skips)')
        return 1
    ver = subprocess.run([a.bpftrace, '--version'], capture_output=True, text=True).stdout
    if 'v0.17' not in ver:
        print(f'Bail out! {a.bpftrace} is {ver.strip() or "unknown"}, not bpftrace 0.17')
        return 1
    if os.geteuid() != 0:
        print('Bail out! run as root: both tools load BPF programs')
        return 1
    hawk = os.path.abspath(a.hawk)

    cases = [c for f in a.cases for c in parse_cases(f)]
    if a.only:
        cases = [c for c in cases if a.only in c.name]
    print(f'1..{len(cases)}', flush=True)
    failed = []
    # The cases filter on comm == "{comm}": the workload runs as a copy under a name of its
    # own, so that other tests (or another run of this one) cannot disturb the counts. Names
    # hold no digits, so that norm_pids cannot touch them.
    tag = ''.join(random.choice(string.ascii_lowercase) for _ in range(8))
    comm = 'cmp_' + tag
    tmp = tempfile.mkdtemp(prefix='hawk-compare-')
    scratch = '/tmp/hawk-compare-' + tag
    workload = os.path.join(tmp, comm)
    shutil.copy(a.workload, workload)
    for case in cases:
        case.prog = case.prog.replace('{comm}', comm).replace('{scratch}', scratch)
        case.runs = [([x.replace('{scratch}', scratch) for x in args], fails)
                     for args, fails in case.runs]
    try:
        for n, case in enumerate(cases, 1):
            kinds = map_kinds(case.prog)
            t0 = time.monotonic()
            bt = run_tool([a.bpftrace], {'__BPFTRACE_NOTIFY_PROBES_ATTACHED': '1'},
                          BPFTRACE_TOKEN, case, workload, tmp, scratch)
            t1 = time.monotonic()
            hk = run_tool([hawk], {'HAWK_NOTIFY_ATTACHED': '1'}, HAWK_TOKEN, case, workload, tmp,
                          scratch)
            t2 = time.monotonic()
            want, got = normalise_017(bt, case, kinds), normalise_hawk(hk, case, kinds)
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                for suffix, text in (('bpftrace.out', bt.stdout), ('bpftrace.err', bt.stderr),
                                     ('hawk.out', hk.stdout), ('hawk.err', hk.stderr),
                                     ('want', '\n'.join(want)), ('got', '\n'.join(got))):
                    with open(os.path.join(a.keep, f'{case.name}.{suffix}'), 'w') as f:
                        f.write(text)
            timing = f'(bpftrace {t1 - t0:.1f} s, hawk {t2 - t1:.1f} s)'
            for tool, r in (('bpftrace', bt), ('hawk', hk)):
                if r.sigints:
                    timing += f' [{tool}: SIGINT repeated {r.sigints} times]'
            ok = want == got and not bt.error
            print(f'{"ok" if ok else "not ok"} {n} - {case.name} {timing}')
            if not ok:
                failed.append(case.name)
                print(f'# {case.where}: ' + case.prog.strip().replace('\n', '\n#   '))
                if bt.error:
                    print(f'# bpftrace run failed: {bt.error}; stderr:')
                    print('\n'.join('#   ' + x for x in bt.stderr.strip().split('\n')))
                for d in difflib.unified_diff(want, got, 'bpftrace 0.17 (normalised)', 'hawk',
                                              lineterm='', n=3):
                    print('# ' + d)
                if hk.stderr.strip():
                    print('# hawk stderr:')
                    print('\n'.join('#   ' + x for x in hk.stderr.strip().split('\n')[:20]))
            elif a.v:
                print('\n'.join('#   ' + x for x in got))
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    if failed:
        print(f'# {len(failed)} of {len(cases)} cases differ: {" ".join(failed)}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
