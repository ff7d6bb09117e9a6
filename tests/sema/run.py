#!/usr/bin/env python3
# run.py: runs the tests/sema case files (program -> exact diagnostics or -d types dump) as TAP.
"""Usage: run.py [--print] HAWK FILE.test...

Each case runs `HAWK --check [-d types] -e PROG [ARGS...]` with NO_COLOR=1 and
compares its whole output (stdout, then stderr) with the expectation; the
format is in README.md here. --print writes every file back with the actual
output under each `---` line, to review and paste."""

import os
import re
import subprocess
import sys


class Case:
    def __init__(self, name, line):
        self.name = name
        self.line = line          # of the "===" line, for messages
        self.prog = []
        self.args = []
        self.expect = None        # "error" or "types"
        self.want = []


def parse(path):
    """The header (comment lines) and the cases of one file."""
    header, cases, cur, state = [], [], None, "head"
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for lineno, line in enumerate(lines, 1):
        if line.startswith("=== "):
            if cur and cur.expect is None:
                sys.exit(f"{path}:{cur.line}: case '{cur.name}' has no '--- error' or '--- types'")
            cur = Case(line[4:], lineno)
            cases.append(cur)
            state = "prog"
        elif state == "head":
            if line and not line.startswith("#"):
                sys.exit(f"{path}:{lineno}: text before the first '=== ' is not a comment")
            header.append(line)
        elif state == "prog" and line.startswith("--- args"):
            cur.args = line[8:].split()
        elif state == "prog" and line in ("--- error", "--- types"):
            cur.expect = line[4:]
            if not cur.prog:
                sys.exit(f"{path}:{cur.line}: case '{cur.name}' has no program")
            state = "want"
        elif state == "prog":
            cur.prog.append(line)
        else:
            cur.want.append(line)
    if cur and cur.expect is None:
        sys.exit(f"{path}:{cur.line}: case '{cur.name}' has no '--- error' or '--- types'")
    while header and not header[-1]:
        header.pop()
    return header, cases


REPEAT = re.compile(r"\$\(repeat (\d+)\)(.*?)\$\(end\)", re.S)


def expand_program(prog):
    """Inputs a case file cannot hold as they are (README.md): $(repeat N)TEXT$(end)
    is TEXT N times, with $(i) the repetition's number (0..N-1), $(next) that plus
    one, and \\n a newline;
    $(nul) is a NUL byte."""
    def one(m):
        text = m.group(2).replace("\\n", "\n")
        return "".join(text.replace("$(i)", str(i)).replace("$(next)", str(i + 1))
                       for i in range(int(m.group(1))))
    return REPEAT.sub(one, prog).replace("$(nul)", "\0")


def run(hawk, case):
    """(exit status, output) of one case; trailing whitespace dropped."""
    cmd = [hawk, "--check"]
    if case.expect == "types":
        cmd += ["-d", "types"]
    prog = expand_program("\n".join(case.prog))
    # An argument is at most 128 KiB (MAX_ARG_STRLEN) and holds no NUL byte:
    # such a program goes through stdin, which hawk also names "stdin".
    big = len(prog) > 100000 or "\0" in prog
    cmd += (["-"] if big else ["-e", prog]) + case.args
    env = dict(os.environ, NO_COLOR="1")
    env.pop("HAWK_COLOR", None)
    try:
        p = subprocess.run(cmd, capture_output=True, env=env, timeout=30,
                           input=prog.encode() if big else None)
    except subprocess.TimeoutExpired:
        return -1, "(timed out after 30 s)"
    out = (p.stdout + p.stderr).decode("utf-8", "replace").replace("\0", "$(nul)")
    return p.returncode, out.rstrip()


def diff(want, got):
    """A line diff as TAP comments (-expected +got)."""
    import difflib
    for d in difflib.ndiff(want.split("\n") if want else [], got.split("\n") if got else []):
        if d[0] in " -+":
            print("# " + d[0] + d[2:])


def main(argv):
    printing = len(argv) > 1 and argv[1] == "--print"
    rest = argv[2:] if printing else argv[1:]
    if len(rest) < 2:
        sys.exit("usage: run.py [--print] HAWK FILE.test...")
    hawk, files = rest[0], [(f,) + parse(f) for f in rest[1:]]
    total = sum(len(cs) for _, _, cs in files)
    if not printing:
        print(f"1..{total}")
    k = failed = 0
    for path, header, cases in files:
        if printing:
            print("\n".join(header))
        for c in cases:
            rc, got = run(hawk, c)
            k += 1
            if printing:
                print(f"=== {c.name}")
                print("\n".join(c.prog))
                if c.args:
                    print("--- args " + " ".join(c.args))
                print("--- " + ("types" if rc == 0 else "error"))
                print(got)
                continue
            want = "\n".join(c.want).rstrip()
            want_rc = 0 if c.expect == "types" else 1
            if rc == want_rc and got == want:
                print(f"ok {k} - {c.name}")
                continue
            failed += 1
            print(f"not ok {k} - {c.name}")
            if rc != want_rc:
                print(f"# {path}:{c.line}: exit status {rc}, expected {want_rc} (-expected +got)")
            else:
                print(f"# {path}:{c.line}: output differs (-expected +got)")
            diff(want, got)
    if failed:
        print(f"# {failed} of {total} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
