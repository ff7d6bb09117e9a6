#!/usr/bin/env python3
"""runner: run hawk's runtime cases (*.test) against real probes and print TAP.

The format is described in tests/runtime/README.md. Usage:
    runner.py --hawk build/hawk --workload build/tests/workload [-k WORD] FILE.test...
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "__HAWK_PROBES_ATTACHED__"
AOT_HAWK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aot_hawk.py")
DEFAULT_TIMEOUT = 5.0
# A case's TIMEOUT bounds its run from the moment its probes are attached; the
# attach itself may take this long first (compiling and attaching a dozen
# tracepoints on a loaded 2-core machine has taken over 5 s).
ATTACH_WAIT = 30.0
WL_NAME = f"wl{os.getpid()}"

# Directives taking one line (the rest of the line) and those taking a block
# ("|"-prefixed lines after the directive, or the rest of the line).
LINE_DIRECTIVES = {"NAME", "ARGS", "RUN", "AFTER", "SIGNAL", "TIMEOUT", "RETURN_CODE",
                   "REQUIRES_FEATURE", "ENV", "EXPECT_COUNT", "LOAD", "SIGNAL_DELAY",
                   "EXIT_WITHIN", "NOT_AOT"}
BLOCK_DIRECTIVES = {"PROG", "EXPECT", "EXPECT_LINES", "EXPECT_REGEX", "EXPECT_NONE"}
FLAG_DIRECTIVES = {"REQUIRES_ROOT", "SPEED_BOUND"}


class Case:
    def __init__(self, path, line):
        self.path, self.line = path, line
        self.fields = {}
        self.env = {}

    def get(self, key, default=None):
        return self.fields.get(key, default)


def parse(path):
    """The cases of one file: blank lines or a new NAME separate them."""
    cases, cur, block = [], None, None
    with open(path) as f:
        lines = f.read().split("\n")
    for no, raw in enumerate(lines, 1):
        if block is not None and raw.startswith("|"):
            text = raw[2:] if raw.startswith("| ") else raw[1:]
            cur.fields[block].append(text)
            continue
        block = None
        if raw.startswith("#"):
            continue
        if not raw.strip():
            cur = None
            continue
        word, _, rest = raw.partition(" ")
        if word == "NAME" or cur is None:
            if word != "NAME":
                raise SyntaxError(f"{path}:{no}: a case starts with NAME, not {word}")
            cur = Case(path, no)
            cases.append(cur)
        if word in FLAG_DIRECTIVES:
            cur.fields[word] = True
        elif word == "ENV":
            k, _, v = rest.partition("=")
            cur.env[k] = v
        elif word in LINE_DIRECTIVES:
            cur.fields[word] = rest
        elif word in BLOCK_DIRECTIVES:
            if rest:
                cur.fields[word] = [rest]
            else:
                cur.fields[word] = []
                block = word
        else:
            raise SyntaxError(f"{path}:{no}: unknown directive {word}")
    for c in cases:
        if not c.get("NAME"):
            raise SyntaxError(f"{c.path}:{c.line}: a case without a name")
        if bool(c.get("PROG")) == bool(c.get("RUN")):
            raise SyntaxError(f"{c.path}:{c.line}: {c.get('NAME')}: PROG or RUN, exactly one")
    return cases


# Kernel features a case may need. A case that needs one this kernel lacks is
# skipped with the reason; nothing else may skip on a root machine.
def feature_absent(name):
    if name == "kprobes":
        if not os.path.exists("/sys/bus/event_source/devices/kprobe"):
            return "this kernel has no kprobes (CONFIG_KPROBES is off)"
    elif name == "uprobes":
        if not os.path.exists("/sys/bus/event_source/devices/uprobe"):
            return "this kernel has no uprobes"
    elif name == "fentry":
        # fentry needs ftrace function hooks; under lockdown they give EPERM.
        try:
            open("/sys/kernel/tracing/available_filter_functions").close()
        except OSError as e:
            return f"fentry/fexit unavailable (ftrace function hooks: {e.strerror})"
    elif name == "hardware":
        if not os.path.exists("/sys/bus/event_source/devices/cpu"):
            return "no hardware PMU (virtual machine)"
    else:
        return f"unknown feature {name}"
    return None


def bpf_objects():
    """Ids of hawk's BPF programs and maps now: programs named progN_* (or
    hawk_sys_*, the syscall dispatch),
    maps named hawk_* or hawk.* (codegen's names, libbpf's for sections).
    None when bpftool is absent."""
    if not shutil.which("bpftool"):
        return None
    out = set()
    for kind, pat in (("prog", r"prog\d+_|hawk_sys_"), ("map", r"hawk[_.]")):
        r = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True, text=True)
        try:
            for o in json.loads(r.stdout or "[]"):
                if re.match(pat, o.get("name", "")):
                    out.add((kind, o["id"], o.get("name", "")))
        except json.JSONDecodeError:
            pass
    return out


def ours(pid):
    """Whether process PID was started by this runner: cases run with
    HAWK_TEST_RUNNER=<this runner's pid> in their environment, which hawk and
    whatever it forks (its detached teardown process) inherit."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return RUNNER_TOKEN in f.read().split(b"\0")
    except OSError:
        return False


RUNNER_TOKEN = f"HAWK_TEST_RUNNER={os.getpid()}".encode()


def held_by_live_processes():
    """(others, mine): the (kind, id) of every BPF program and map a live
    process holds an fd to (/proc/*/fdinfo: prog_id:, map_id:), split by
    whether the process is another run's on a shared machine (excused) or one
    this runner started (hawk's teardown must end soon, or it is a leak)."""
    others, mine = set(), set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        d = f"/proc/{pid}/fdinfo"
        try:
            fds = os.listdir(d)
        except OSError:
            continue
        held = set()
        for fd in fds:
            try:
                with open(f"{d}/{fd}") as f:
                    for line in f:
                        if line.startswith("prog_id:"):
                            held.add(("prog", int(line.split()[1])))
                        elif line.startswith("map_id:"):
                            held.add(("map", int(line.split()[1])))
            except (OSError, ValueError, IndexError):
                continue
        if held:
            (mine if ours(pid) else others).update(held)
    # A held program holds its maps: hawk hands its links to a detached
    # process that closes them after hawk has exited (rt_links_release).
    if shutil.which("bpftool"):
        r = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
        try:
            for o in json.loads(r.stdout or "[]"):
                for held in (others, mine):
                    if ("prog", o.get("id")) in held:
                        held.update(("map", m) for m in o.get("map_ids", []))
        except json.JSONDecodeError:
            pass
    return others, mine


class Proc:
    """A started case: output collected by a thread, the token noticed."""

    def __init__(self, argv, env, cwd, shell):
        self.p = subprocess.Popen(argv, shell=shell, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        self.chunks, self.attached, self.attached_at = [], threading.Event(), None
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        buf = b""
        while True:
            data = self.p.stdout.read1(65536)
            if not data:
                break
            self.chunks.append(data)
            buf = (buf + data)[-4096:]
            if TOKEN.encode() in buf and not self.attached.is_set():
                self.attached_at = time.monotonic()
                self.attached.set()

    def output(self):
        self.t.join(timeout=2)
        text = b"".join(self.chunks).decode(errors="replace")
        return text.replace(TOKEN + "\n", "")

    def signal(self, sig):
        try:
            os.killpg(self.p.pid, sig)
        except ProcessLookupError:
            pass


def run_case(c, args):
    """Returns (status, message, details): status is ok, fail or skip."""
    if c.get("REQUIRES_ROOT") and os.geteuid() != 0:
        if os.environ.get("CI"):
            return "fail", "needs root, and CI runs as root", ""
        return "skip", "needs root", ""
    feat = c.get("REQUIRES_FEATURE")
    if feat:
        # "!name": the case checks hawk's behaviour where the feature is absent.
        if feat.startswith("!"):
            if not feature_absent(feat[1:]):
                return "skip", f"this kernel has {feat[1:]}", ""
        else:
            why = feature_absent(feat)
            if why:
                return "skip", why, ""
    timeout = float(c.get("TIMEOUT", DEFAULT_TIMEOUT))
    env = dict(os.environ)
    env["HAWK_NOTIFY_ATTACHED"] = "1"
    env["PATH"] = (args.wl_dir + os.pathsep + os.path.dirname(args.workload) + os.pathsep +
                   env.get("PATH", ""))
    env.pop("HAWK_COLOR", None)
    env["NO_COLOR"] = "1"
    env["HAWK_TEST_RUNNER"] = str(os.getpid())   # marks this run's processes (ours())
    env.update(c.env)
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subst = {"{{HAWK}}": shlex.quote(args.hawk), "{{WORKLOAD}}": shlex.quote(args.workload),
             "{{SRC}}": shlex.quote(src), "{{BIN}}": shlex.quote(os.path.dirname(args.workload)),
             "{{HAWK_RUN}}": shlex.quote(args.hawk_run or "hawk-run"), "{{WL}}": WL_NAME}

    def fill(s):
        for k, v in subst.items():
            s = s.replace(k, v)
        return s

    tmp = tempfile.mkdtemp(prefix="hawk-rt-")
    if args.aot:
        # RUN cases: {{HAWK}} compiles an artifact and hands it to hawk-run.
        subst["{{HAWK}}"] = shlex.quote(args.aot_wrapper)
    before = bpf_objects()
    try:
        if c.get("RUN"):
            proc = Proc(fill(c.get("RUN")), env, tmp, True)
        elif args.aot:
            # The same case through an artifact: aot_hawk.py compiles it with every
            # option and runs it with hawk-run and the run's own; a compile error is the
            # case's output, as in one hawk run; what runs nothing (-n, -l) is hawk's.
            argv = ([args.aot_wrapper] + shlex.split(fill(c.get("ARGS", ""))) +
                    ["-e", fill("\n".join(c.get("PROG")))])
            proc = Proc(argv, env, tmp, False)
        else:
            argv = ([args.hawk] + shlex.split(fill(c.get("ARGS", ""))) +
                    ["-e", fill("\n".join(c.get("PROG")))])
            proc = Proc(argv, env, tmp, False)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        return "fail", "not started", f"cannot run hawk: {e}"

    start = time.monotonic()

    def deadline():
        if proc.attached_at is not None:
            return max(start, proc.attached_at) + timeout
        return start + max(timeout, ATTACH_WAIT)

    problems = []
    after, sig, load = c.get("AFTER"), c.get("SIGNAL"), c.get("LOAD")
    loader, signalled_at = None, None
    if after or sig or load:
        # Wait for the probes (or for hawk to end without attaching).
        while not proc.attached.wait(0.01):
            if proc.p.poll() is not None or time.monotonic() > deadline():
                break
        if not proc.attached.is_set() and proc.p.poll() is None:
            problems.append("never printed the attach token")
        elif proc.attached.is_set():
            if after:
                r = subprocess.run(fill(after), shell=True, env=env, cwd=tmp,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   timeout=max(1.0, deadline() - time.monotonic()))
                if r.returncode:
                    problems.append(f"AFTER failed ({r.returncode}): {r.stderr.decode().strip()}")
            if load:
                loader = subprocess.Popen(fill(load), shell=True, env=env, cwd=tmp,
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
            if sig:
                time.sleep(float(c.get("SIGNAL_DELAY", "0")))
                signalled_at = time.monotonic()
                # several signals: a second one reaches the exit sequence
                for i, name in enumerate(sig.split()):
                    if i:
                        time.sleep(0.1)
                    proc.signal(getattr(signal, name))
    while proc.p.poll() is None:
        try:
            proc.p.wait(timeout=max(0.01, min(0.1, deadline() - time.monotonic())))
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline():
                proc.signal(signal.SIGKILL)
                proc.p.wait()
                problems.append(f"timed out after {timeout:g} s (killed)")
    ended = time.monotonic()
    if loader:
        try:
            os.killpg(loader.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        loader.wait()
    within = c.get("EXIT_WITHIN")
    if within and signalled_at is not None and ended - signalled_at > float(within):
        problems.append(f"exited {ended - signalled_at:.2f} s after the signal, "
                        f"not within {within} s")
    elapsed = time.monotonic() - start
    out = proc.output()
    shutil.rmtree(tmp, ignore_errors=True)

    want_rc = int(c.get("RETURN_CODE", "0"))
    if not problems and proc.p.returncode != want_rc:
        problems.append(f"exit status {proc.p.returncode}, expected {want_rc}")
    lines = out.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if c.get("EXPECT") is not None:
        want = "".join(l + "\n" for l in c.get("EXPECT"))
        if out != want:
            problems.append("output differs:\n" + diff(want, out))
    for key, match in (("EXPECT_LINES", lambda w, l: w == l),
                       ("EXPECT_REGEX", lambda w, l: re.fullmatch(w, l) is not None)):
        want = c.get(key)
        if want is None:
            continue
        i = 0
        for l in lines:
            if i < len(want) and match(want[i], l):
                i += 1
        if i < len(want):
            problems.append(f"{key}: no line matching {want[i]!r} (in order) in:\n" + out)
    if c.get("EXPECT_COUNT"):
        n, _, text = c.get("EXPECT_COUNT").partition(" ")
        got = lines.count(text)
        if got != int(n):
            problems.append(f"EXPECT_COUNT: {got} lines {text!r}, expected {n}")
    for w in c.get("EXPECT_NONE") or []:
        if w in lines:
            problems.append(f"EXPECT_NONE: the line {w!r} is there")
    if before is not None:
        # The kernel frees a closed program's maps after an RCU grace period:
        # give it a moment before calling anything a leak.
        # Objects another run holds are excused; objects this case's own processes
        # still hold (hawk's detached teardown) get 30 s to go. Unheld ones are being
        # freed (another run's too: nothing says whose they were): the kernel frees them
        # after RCU grace periods and a workqueue, which a loaded machine stretches past
        # 10 s (a ring buffer map once), so they get 30 s too; a pinned or otherwise
        # kept object outlives that.
        # Only what was there when the case had ended can be the case's: on a
        # shared machine other runs create and free objects all along, so each
        # candidate is followed until it goes, not the changing difference.
        t0 = time.monotonic()
        cand = (bpf_objects() or set()) - before
        left = []
        while cand:
            others, _ = held_by_live_processes()
            cand = {o for o in cand & (bpf_objects() or set()) if (o[0], o[1]) not in others}
            left = sorted(cand)
            waited = time.monotonic() - t0
            if not left or waited > 30.0:
                break
            time.sleep(0.02 if waited < 1.0 else 0.2)
        if left:
            problems.append("left loaded after exit: " +
                            ", ".join(f"{k} {i} {n}" for k, i, n in left))
    if problems:
        return "fail", f"{elapsed:.2f} s", "\n".join(problems)
    return "ok", f"{elapsed:.2f} s", ""


def diff(want, got):
    import difflib
    d = difflib.unified_diff(want.split("\n"), got.split("\n"), "expected", "actual",
                             lineterm="")
    return "\n".join(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hawk", required=True)
    ap.add_argument("--workload", required=True)
    ap.add_argument("-k", dest="filter", help="only cases whose name contains this")
    ap.add_argument("--sanitized", action="store_true",
                    help="hawk is an ASan/UBSan build: leave out the SPEED_BOUND cases")
    ap.add_argument("--hawk-run", help="the LLVM-free runtime ({{HAWK_RUN}} in RUN cases)")
    ap.add_argument("--aot", action="store_true",
                    help="run every PROG case as `hawk --aot FILE` then `hawk-run FILE`")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    args.hawk = os.path.abspath(args.hawk)
    args.workload = os.path.abspath(args.workload)
    if args.hawk_run:
        args.hawk_run = os.path.abspath(args.hawk_run)
    if args.aot and not args.hawk_run:
        ap.error("--aot needs --hawk-run")
    # The workload under a name of this run's own ({{WL}}, on PATH): a case that
    # filters on `comm == "{{WL}}"` then counts its own calls, not those of another
    # run's workload on a shared machine (the comm is the name it was run by).
    args.wl_dir = tempfile.mkdtemp(prefix="hawk-wl-")
    os.symlink(args.workload, os.path.join(args.wl_dir, WL_NAME))
    if args.aot:
        # {{HAWK}} in RUN cases: aot_hawk.py through a script any user can run
        # (cases run hawk as nobody too)
        d = tempfile.mkdtemp(prefix="hawk-aot-")
        os.chmod(d, 0o755)
        args.aot_wrapper = os.path.join(d, "hawk")
        # the system's python: cases run as nobody too, who may not reach sys.executable
        py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        with open(args.aot_wrapper, "w") as f:
            f.write("#!/bin/sh\nexec " + shlex.join([py, AOT_HAWK, args.hawk,
                                                      args.hawk_run]) + ' "$@"\n')
        os.chmod(args.aot_wrapper, 0o755)
    cases = []
    for f in args.files:
        cases += parse(f)
    if args.filter:
        cases = [c for c in cases if args.filter in c.get("NAME")]
    if args.sanitized:
        # A speed bound (a flood the reader must keep up with) holds for the plain build;
        # under ASan the reader is several times slower by design. Those cases run in the
        # plain build's suite, and are not part of this plan at all (never a skip).
        cases = [c for c in cases if not c.get("SPEED_BOUND")]
    if args.aot:
        # NOT_AOT reason: the case's output differs through hawk-run by design (comm is
        # "hawk-run"): left out of the artifact plan, not skipped.
        cases = [c for c in cases if not c.get("NOT_AOT")]
    print(f"1..{len(cases)}", flush=True)
    failed = 0
    for n, c in enumerate(cases, 1):
        status, msg, details = run_case(c, args)
        name = c.get("NAME")
        if status == "skip":
            print(f"ok {n} - {name} # SKIP {msg}")
        elif status == "ok":
            print(f"ok {n} - {name} ({msg})")
        else:
            failed += 1
            print(f"not ok {n} - {name} ({msg})")
            print(f"# {os.path.basename(c.path)}:{c.line}")
            for l in details.split("\n"):
                print("#   " + l)
        sys.stdout.flush()
    shutil.rmtree(args.wl_dir, ignore_errors=True)
    if args.aot:
        shutil.rmtree(os.path.dirname(args.aot_wrapper), ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
