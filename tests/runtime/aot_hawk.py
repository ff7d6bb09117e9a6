#!/usr/bin/env python3
"""aot_hawk: `hawk ARGS` played through an artifact, for runner.py --aot's RUN cases.

    aot_hawk.py HAWK HAWK_RUN [hawk's options and arguments]

A run (a program from -e, a file or stdin) becomes `HAWK --aot FILE` with every
option and the program, then `HAWK_RUN` with the run's own options, FILE and the
positional parameters: one process after the other, as a user on a target would.
A compile error is the run's output, as in one hawk run. What runs no program
(-l, --check, -d, --emit-*, --info, -V, -h, --aot) is hawk's alone and goes to
HAWK as it is.
"""

import os
import signal
import sys
import tempfile

# hawk's getopt table (src/main.c): options that take an argument.
SHORT_ARG = set("epcofBdI")
SHORT_FLAG = set("lvqkVhnb")
LONG_ARG = {"pid", "cmd", "output", "include", "emit-elf", "emit-llvm", "debuginfo",
            "flamegraph", "aot", "probe-filter", "mode", "target-arch"}
# What hawk-run takes: the run's options (src/hawk_run.c).
RUN_SHORT_ARG = set("pcofB")
RUN_SHORT_FLAG = set("qv")
RUN_LONG = {"dry-run", "no-warnings", "pid", "cmd", "output", "flamegraph",
            "quiet", "verbose"}
# Modes that run no program.
NO_RUN_SHORT = set("lnVhd")
NO_RUN_LONG = {"list", "check", "syntax-only", "info", "version", "help", "emit-elf",
               "emit-llvm", "aot"}


def split(argv):
    """(compile options, run options, operands, runs a program)."""
    comp, run, rest, runs, has_e = [], [], [], True, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest += argv[i + 1:]
            break
        if a.startswith("--") and len(a) > 2:
            name, eq, val = a[2:].partition("=")
            words = [a]
            if name in LONG_ARG and not eq and i + 1 < len(argv):
                words.append(argv[i + 1])
                i += 1
            if name in NO_RUN_LONG:
                runs = False
            comp += words
            if name in RUN_LONG:
                run += words
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                ch = a[j]
                if ch in SHORT_ARG:
                    val = a[j + 1:]
                    if not val and i + 1 < len(argv):
                        i += 1
                        val = argv[i]
                    comp += ["-" + ch, val]
                    if ch in RUN_SHORT_ARG:
                        run += ["-" + ch, val]
                    if ch == "e":
                        has_e = True
                    if ch in NO_RUN_SHORT:
                        runs = False
                    break
                comp.append("-" + ch)
                if ch in RUN_SHORT_FLAG:
                    run.append("-" + ch)
                if ch in NO_RUN_SHORT:
                    runs = False
                j += 1
        else:
            rest.append(a)
        i += 1
    if not has_e and not rest:
        runs = False
    return comp, run, rest, has_e, runs


def main():
    hawk, hawk_run, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    # Python ignores SIGPIPE, and an exec'd program would inherit that:
    # hawk dies of it when its reader goes, as in a shell
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    comp, run, rest, has_e, runs = split(argv)
    if not runs:
        os.execv(hawk, [hawk] + argv)
    # The program's operand (FILE or -) stays with the compile; the
    # parameters go to both: the compile types them, the run gives the values.
    prog = [] if has_e else rest[:1]
    params = rest if has_e else rest[1:]
    # --NAME[=VALUE] after --: the program's own options (getopt()), whose values
    # the compile folds in; the run takes the positional parameters alone
    named = [p for p in params if p.startswith("--") and len(p) > 2]
    if "--help" in named:
        os.execv(hawk, [hawk] + argv)
    params = [p for p in params if p not in named]
    fd, art = tempfile.mkstemp(prefix="hawk-", suffix=".aot")
    os.close(fd)
    try:
        pid = os.fork()
        if pid == 0:
            os.execv(hawk, [hawk, "--aot", art] + comp + prog + ["--"] + params + named)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code:
            sys.exit(code if code > 0 else 128 - code)
        # hawk-run in this process: signals sent to the case reach it.
        fd = os.open(art, os.O_RDONLY)
        os.set_inheritable(fd, True)
        os.unlink(art)
        os.execv(hawk_run, [hawk_run] + run + [f"/proc/self/fd/{fd}"] + params)
    finally:
        if os.path.exists(art):
            os.unlink(art)


if __name__ == "__main__":
    main()
