#!/bin/sh
# stacks.sh BUILD: how long hawk takes to print a map of 10,000 distinct user stacks at exit
# (bench/README.md). A generated program (frame pointers, -g) calls leaf() through 10,000
# distinct chains of five functions; hawk counts @[ustack] on leaf() and prints the map once
# the program has exited. Figure: from the program's exit to hawk's, with symbols (bpftrace
# mode) and without (raw mode), the median of 3 runs each; the difference is the symbols.
set -eu
build=${1:-build}
hawk=$(realpath "$build/hawk")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
{
	echo '#include <stdio.h>'
	echo '#include <time.h>'
	echo 'volatile int sink;'
	echo '__attribute__((noinline)) void leaf(void) { sink++; __asm__ volatile("" ::: "memory"); }'
	echo 'typedef void fn(int, int);'
	echo 'extern fn *tab[10];'
	for d in 0 1 2 3 4 5 6 7 8 9; do
		echo "__attribute__((noinline)) void f$d(int i, int n) { if (n) tab[i % 10](i / 10, n - 1); else leaf(); sink++; }"
	done
	echo 'fn *tab[10] = { f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 };'
	echo 'int main(void) {'
	echo '	for (int i = 0; i < 10000; i++) tab[i % 10](i / 10, 4);'
	echo '	struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);'
	echo '	FILE *f = fopen("exit_ns", "w"); fprintf(f, "%lld", ts.tv_sec * 1000000000LL + ts.tv_nsec); fclose(f);'
	echo '	ts.tv_sec = 0; ts.tv_nsec = 300000000; nanosleep(&ts, NULL);'
	echo '	return 0; }'
} > prog.c
cc -O1 -g -fno-omit-frame-pointer -o prog prog.c
run() {
	python3 - "$hawk" "$1" <<'PY'
import os, subprocess, sys, time
hawk, mode = sys.argv[1], sys.argv[2]
p = subprocess.run([hawk, '-c', './prog', '-e', 'uprobe:./prog:leaf { @[ustack(%s, 8)] = count(); }' % mode],
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=dict(os.environ, BPFTRACE_MAP_KEYS_MAX='40000'))
end = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
start = int(open('exit_ns').read()) + 300000000
keys = p.stdout.count(b'@[')
print('%d %.0f' % (keys, (end - start) / 1e6))
PY
}
for mode in bpftrace raw; do
	res=$( (run $mode; run $mode; run $mode) | sort -n -k2 | sed -n 2p)
	echo "$mode: $(echo "$res" | cut -d' ' -f1) stacks, exit to exit $(echo "$res" | cut -d' ' -f2) ms (median of 3)"
done
