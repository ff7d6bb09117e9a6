#!/usr/bin/env python3
"""run.py HAWK [--scripts DIR] [--hawk-run PATH] DOC...: every example in README.md and the man
pages runs, as TAP.

README.md (a file ending in .md):
  - a ```console block right after the line `<!-- example: ... -->`: its first line is
    `# hawk ARGS` and the rest is what hawk prints (stderr, then stdout), compared exactly;
  - the hawk one-liner in the opening ```sh block: it must run and exit 0 on its own.

A man page (roff): each `.EX` block right after the comment line `.\\" example[: MODE]`.
Its first line is `# hawk ARGS` (or, for a tool, `# NAME.bt ARGS`: `hawk DIR/NAME.bt ARGS`,
DIR from --scripts; or `# hawk-run ARGS`, PATH from --hawk-run), the rest what it prints; the roff escapes (\\- \\e \\& \\(aq ...) are undone
first. MODE says how it runs and what is compared:
  (none)       it ends itself; exit 0, the output compared exactly (stderr, then stdout);
  fails        exit 1, the output (its located error) compared exactly;
  sample       it runs until it ends or Ctrl-C: once attached, a little workload (a file
               read, an exec, a short sleep) runs, then SIGINT; exit 0, an `Attached N
               probes` line printed (the one shown, if one is), and a first line shown that
               is a column header (no digit, no map) printed as shown; the other lines shown
               are a sample, not compared;
  dry-run      loaded and attached with --dry-run (probes this kernel lacks, kprobes, are
               warnings); exit 0;
  unsupported  checked only (--check), refused: exit 1 with a located "ERROR: ... not
               supported" (the page says hawk lacks it; once it is supported, the example
               fails and the page must say what it does).
An `example` comment not followed by an .EX block, or a document without examples, stops
the run (Bail out!), so that a mistyped block is never silently skipped. Each example runs
in a scratch directory, where the files it writes (-o, --flamegraph) go.
"""
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

ENV = {"NO_COLOR": "1", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
ATTACHED = "__HAWK_PROBES_ATTACHED__"
WORKLOAD = "cat /etc/hostname >/dev/null; /bin/true; sleep 0.2"


# Each example runs in a scratch directory of its own, so files it writes (-o, --flamegraph)
# go there and are removed with it.
SCRATCH = tempfile.TemporaryDirectory(prefix="hawk-examples-")


def run(hawk, argv, timeout=30):
    if argv and argv[0] == "hawk-run":   # a hawk-run example: argv[1] is its path
        hawk, argv = argv[1], argv[2:]
    p = subprocess.run([hawk] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=ENV, cwd=SCRATCH.name)
    return p.returncode, p.stderr.decode(errors="replace") + p.stdout.decode(errors="replace")


def run_signal(hawk, argv, timeout=30):
    """Run until attached, make a little work, send SIGINT; (status, stderr + stdout)."""
    if argv and argv[0] == "hawk-run":
        hawk, argv = argv[1], argv[2:]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([hawk] + argv, stdout=out, stderr=err, cwd=SCRATCH.name,
                             env=dict(ENV, HAWK_NOTIFY_ATTACHED="1"))
        deadline = time.time() + timeout
        while p.poll() is None and time.time() < deadline:
            err.seek(0)
            if ATTACHED in err.read().decode(errors="replace"):
                break
            time.sleep(0.05)
        if p.poll() is None:
            subprocess.run(WORKLOAD, shell=True, env=ENV, cwd=SCRATCH.name)
            p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = -1
        out.seek(0)
        err.seek(0)
        text = err.read().decode(errors="replace") + out.read().decode(errors="replace")
        return rc, "".join(l for l in text.splitlines(True) if l.strip() != ATTACHED)


def unroff(s):
    """The text a roff line shows: escapes undone (\\e and \\\\ are a backslash)."""
    out, i = [], 0
    table = {"-": "-", "e": "\\", "\\": "\\", "&": "", " ": " ", "(aq": "'", "(dq": '"',
             "(ti": "~", "(ha": "^", "(rs": "\\", "(oq": "'", "(cq": "'", "(lq": '"', "(rq": '"'}
    while i < len(s):
        if s[i] == "\\":
            for k in sorted(table, key=len, reverse=True):
                if s.startswith(k, i + 1):
                    out.append(table[k])
                    i += 1 + len(k)
                    break
            else:
                raise ValueError("unknown roff escape in: " + s)
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def readme_cases(path):
    text = open(path).read()
    cases = []
    for m in re.finditer(r"<!-- example:[^>]*-->\n```console\n# hawk ([^\n]*)\n(.*?)```", text, re.S):
        cases.append(("README: hawk " + m.group(1)[:50], "", shlex.split(m.group(1)), m.group(2)))
    first = re.search(r"```sh\n(.*?)\n```", text, re.S)
    if first:
        cmd = first.group(1)
        i = cmd.find("build/hawk ")
        if i >= 0:
            cases.append(("README: first command's one-liner", "ends",
                          shlex.split(cmd[i + len("build/hawk "):]), None))
    return cases


def man_cases(path, scripts, hawk_run):
    lines = open(path).read().splitlines()
    page = os.path.basename(path)
    cases, i = [], 0
    while i < len(lines):
        m = re.match(r'\.\\" example(?::\s*(\S+))?\s*$', lines[i])
        i += 1
        if not m:
            continue
        mode = m.group(1) or ""
        while i < len(lines) and lines[i] in (".sp", ".PP", ".IP"):
            i += 1
        if i >= len(lines) or lines[i] != ".EX":
            raise ValueError("%s:%d: `example` not followed by an .EX block" % (path, i))
        j = lines.index(".EE", i)
        body = [unroff(l) for l in lines[i + 1:j]]
        i = j + 1
        head = body[0]
        m2 = re.match(r"# (\S+)(?: (.*))?$", head)
        if not m2:
            raise ValueError("%s:%d: an example starts with `# hawk ARGS`" % (path, i))
        prog, args = m2.group(1), shlex.split(m2.group(2) or "")
        if prog == "hawk-run":
            if not hawk_run:
                raise ValueError("%s: a hawk-run example needs --hawk-run" % path)
            args = ["hawk-run", hawk_run] + args
        elif prog != "hawk":
            if not scripts or not prog.endswith(".bt"):
                raise ValueError("%s: example runs %s, not hawk" % (path, prog))
            args = [os.path.join(scripts, prog)] + args
        want = "".join(l + "\n" for l in body[1:])
        cases.append(("%s: %s" % (page, head[2:][:60]), mode, args, want))
    return cases


def with_opt(argv, opt):
    """argv with an option first (after a hawk-run example's path)."""
    return argv[:2] + [opt] + argv[2:] if argv[:1] == ["hawk-run"] else [opt] + argv


def check(hawk, mode, argv, want):
    if mode == "sample":
        rc, got = run_signal(hawk, argv)
        shown = (want or "").splitlines()
        exact = [l for l in shown if l.startswith("Attached ")]
        # a column header (a tool's first line: no digit, no map) is printed as shown
        if shown and not re.search(r"[0-9]", shown[0]) and not shown[0].startswith(("@", " ", "^")):
            exact.append(shown[0])
        lines = [l.rstrip() for l in got.splitlines()]
        ok = rc == 0 and re.search(r"^Attached \d+ probes?$", got, re.M) and \
            all(l.rstrip() in lines for l in exact)
        return ok, rc, got
    if mode == "dry-run":
        rc, got = run(hawk, with_opt(argv, "--dry-run"))
        return rc == 0 and "ERROR" not in got, rc, got
    if mode == "unsupported":
        rc, got = run(hawk, with_opt(argv, "--check"))
        return rc == 1 and re.search(r"^stdin:\d+:\d+(-\d+)?: ERROR: .*not supported", got, re.M), rc, got
    rc, got = run(hawk, argv)
    if mode == "ends":
        return rc == 0, rc, got
    if mode not in ("", "fails"):
        raise ValueError("unknown example mode " + mode)
    return rc == (1 if mode == "fails" else 0) and got == want, rc, got


def main():
    args = sys.argv[1:]
    hawk, docs, scripts, hawk_run = os.path.abspath(args[0]), [], None, None
    i = 1
    while i < len(args):
        if args[i] == "--scripts":
            scripts = os.path.abspath(args[i + 1])
            i += 2
        elif args[i] == "--hawk-run":
            hawk_run = os.path.abspath(args[i + 1])
            i += 2
        else:
            docs.append(args[i])
            i += 1
    cases = []
    for d in docs:
        try:
            found = readme_cases(d) if d.endswith(".md") else man_cases(d, scripts, hawk_run)
        except ValueError as e:
            print("Bail out! %s" % e)
            return 1
        if not found:
            print("Bail out! no examples found in " + d)
            return 1
        cases += found
    print("1..%d" % len(cases))
    failed = 0
    for n, (name, mode, argv, want) in enumerate(cases, 1):
        try:
            ok, rc, got = check(hawk, mode, argv, want)
        except subprocess.TimeoutExpired:
            ok, rc, got = False, -1, "(timed out)"
        print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
        if not ok:
            failed += 1
            print("# mode %r, exit status %d" % (mode or "exact", rc))
            for line in got.splitlines():
                print("# got:  " + line)
            if mode in ("", "fails", "sample"):
                for line in (want or "").splitlines():
                    print("# %s: %s" % ("want" if mode != "sample" else "shown", line))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
