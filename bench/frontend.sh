#!/bin/sh
# frontend.sh [BUILD] [RUNS]: `hawk --check` wall time and peak RSS on generated programs of
# 1k, 10k and 100k lines / scratch variables / probes / operators, and a 10 MB script.
# Target (issue 7): every pass linear, so the 100k/10k ratio of time and of RSS is <= 12.
# Prints the figures (bench/README.md keeps a copy); asserts nothing.
set -eu
build=${1:-build}
runs=${2:-5}
hawk="$build/hawk"
[ -x "$hawk" ] || { echo "frontend.sh: no $hawk (ninja -C $build first)" >&2; exit 1; }

python3 - "$hawk" "$runs" <<'PY'
import os, statistics, subprocess, sys, tempfile, time

hawk, runs = sys.argv[1], int(sys.argv[2])
tmp = tempfile.mkdtemp(prefix="hawk-frontend-")
rss_file = os.path.join(tmp, "rss")

def lines(n):      # one probe, n statement lines
    return "BEGIN {\n" + "".join(f"  $v = {i} + 1;\n" for i in range(n)) + "}\n"

def variables(n):  # n scratch variables in one probe
    return "BEGIN {\n" + "".join(f"  $v{i} = {i};\n" for i in range(n)) + "}\n"

def probes(n):     # n probes, each with its own map and a printf
    return "".join(f'interval:s:1 {{ @m{i} = count(); printf("%s %d\\n", probe, pid); }}\n'
                   for i in range(n))

def balanced(lo, hi):
    if hi - lo == 1:
        return str(lo % 1000)
    mid = (lo + hi) // 2
    return f"({balanced(lo, mid)} + {balanced(mid, hi)})"

def operators(n):  # one expression of n binary operators, as a balanced tree (depth log2 n)
    return "BEGIN { $x = " + balanced(0, n + 1) + "; }\n"

def chain(n):      # one left-to-right chain of n operators: refused past the nesting limit
    return "BEGIN { $x = 1" + " + 1" * n + "; }\n"

def run(path):
    """Median wall seconds, CPU seconds (user + system) and peak RSS (KiB) of
    `hawk --check path`. The RSS comes from /usr/bin/time (a child of this Python
    would count Python's own pages); the CPU time from wait4 on it, which counts
    hawk's (time's own is ~1 ms). On a shared machine CPU time is the steadier
    figure, so the ratios use it."""
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file, hawk, "--check", path],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        walls.append(time.perf_counter() - t0)
        cpus.append(ru.ru_utime + ru.ru_stime)
        with open(rss_file) as f:
            rss.append(int(f.read().split()[-1]))
    return statistics.median(walls), statistics.median(cpus), statistics.median(rss), p.returncode

kinds = [("lines", lines), ("variables", variables), ("probes", probes),
         ("operators (balanced)", operators), ("operator chain (refused)", chain)]
print(f"hawk --check, median of {runs} runs; exit status 1 = refused with an error")
print(f"{'input':26} {'n':>7} {'bytes':>10} {'wall ms':>9} {'cpu ms':>8} {'MiB':>8} {'exit':>4}")
worst = 0.0
for name, gen in kinds:
    res = {}
    for n in (1000, 10000, 100000):
        path = os.path.join(tmp, f"{name.split()[0]}-{n}.bt")
        with open(path, "w") as f:
            f.write(gen(n))
        wall, cpu, rss, rc = run(path)
        res[n] = (max(cpu, 0.001), rss)
        print(f"{name:26} {n:7} {os.path.getsize(path):10} {wall*1e3:9.1f} {cpu*1e3:8.1f} {rss/1024:8.1f} {rc:4}")
        os.unlink(path)
    tr, mr = res[100000][0] / res[10000][0], res[100000][1] / res[10000][1]
    worst = max(worst, tr, mr)
    print(f"{name:26} {'100k/10k':>7} {'':10} {'':9} {tr:8.2f} {mr:8.2f}")

# A 10 MB script: probes until the file passes 10,000,000 bytes.
path = os.path.join(tmp, "10mb.bt")
text, n = "", 100000
while len(text) < 10_000_000:
    n = int(n * 1.4)
    text = probes(n)
with open(path, "w") as f:
    f.write(text)
wall, cpu, rss, rc = run(path)
print(f"{'10 MB script (probes)':26} {n:7} {len(text):10} {wall*1e3:9.1f} {cpu*1e3:8.1f} {rss/1024:8.1f} {rc:4}")
os.unlink(path)
os.unlink(rss_file)
os.rmdir(tmp)
print(f"worst 100k/10k ratio (cpu time, RSS) {worst:.2f} (target <= 12): {'met' if worst <= 12 else 'NOT met'}")
PY
