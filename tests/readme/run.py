#!/usr/bin/env python3
"""run.py HAWK README [MANPAGE]: every example in the README and man page runs, as a TAP test.

Two kinds of example:
  - a ```console block right after the line `<!-- example: ... -->`: its first
    line is `# hawk ARGS` and the rest is what hawk prints (stderr, then
    stdout), compared exactly;
  - the hawk one-liner in the README's opening ```sh block: it must run and
    exit 0 on its own (it ends itself with exit());
  - each `hawk \-e '...'` example of the man page: loaded and attached for
    real with --dry-run (they run until Ctrl-C otherwise), exit 0.
"""
import re
import shlex
import subprocess
import sys


def run(hawk, argv, timeout=30):
    p = subprocess.run([hawk] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    return p.returncode, p.stderr.decode() + p.stdout.decode()


def main():
    hawk, readme = sys.argv[1], sys.argv[2]
    text = open(readme).read()
    cases = []
    for m in re.finditer(r"<!-- example:[^>]*-->\n```console\n# hawk ([^\n]*)\n(.*?)```", text, re.S):
        cases.append(("example: hawk " + m.group(1)[:50], shlex.split(m.group(1)), m.group(2), 0))
    first = re.search(r"```sh\n(.*?)\n```", text, re.S)
    if first:
        cmd = first.group(1)
        i = cmd.find("build/hawk ")
        if i >= 0:
            cases.append(("first command's one-liner", shlex.split(cmd[i + len("build/hawk "):]), None, 0))
    if len(sys.argv) > 3:
        man = open(sys.argv[3]).read()
        for line in man.splitlines():
            line = line.strip()
            if line.startswith("hawk \\-e "):
                # roff: \- is '-', \\ is a backslash
                cmd = line[len("hawk "):].replace("\\-", "-").replace("\\\\", "\\")
                cases.append(("man: hawk " + cmd[:50], ["--dry-run", "-q"] + shlex.split(cmd), "", 0))
    if not cases:
        print("Bail out! no examples found in " + readme)
        return 1
    print("1..%d" % len(cases))
    failed = 0
    for n, (name, argv, want, rc_want) in enumerate(cases, 1):
        try:
            rc, got = run(hawk, argv)
        except subprocess.TimeoutExpired:
            rc, got = -1, "(timed out)"
        ok = rc == rc_want and (want is None or got == want)
        print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
        if not ok:
            failed += 1
            print("# exit status %d (want %d)" % (rc, rc_want))
            for line in got.splitlines():
                print("# got:  " + line)
            for line in (want or "").splitlines():
                print("# want: " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
