#!/bin/sh
# bpftrace.sh LISTER TARGET: hawk's listings next to Debian bpftrace 0.17's, which prints the same lines.
. "$(dirname "$0")/lib.sh"
TARGET="${2:?usage: bpftrace.sh LISTER TARGET}"
need_root
if ! command -v bpftrace >/dev/null; then
	echo "Bail out! bpftrace is not installed; run ./setup.sh (this test never skips)"
	exit 1
fi
echo "1..6"

# bpftrace finds no tracepoints when tracefs is not mounted: let hawk mount it first.
"$LIST" -l 'tracepoint:sched:sched_switch' >/dev/null

# bpftrace 0.17 warns on stderr here (RLIMIT_MEMLOCK, available_filter_functions): stdout only.
bt() { bpftrace "$@" 2>/dev/null; }

bt -l 'tracepoint:*' >"$T/bt"
"$LIST" -l 'tracepoint:*' >"$T/hawk"
check "bpftrace lists tracepoints" test -s "$T/bt"
same "tracepoint:* prints bpftrace's set" "$T/bt" "$T/hawk"

bt -lv 'tracepoint:*' >"$T/bt.v"
"$LIST" -lv 'tracepoint:*' >"$T/hawk.v"
same "-lv tracepoint:* prints bpftrace's lines" "$T/bt.v" "$T/hawk.v"

bt -lv 'struct path' >"$T/bt.s"
# current bpftrace names the BTF the definition comes from ("vmlinux: struct path {"); 0.17 did not
"$LIST" -lv 'struct path' | sed 's/^vmlinux: //' >"$T/hawk.s"
same "-lv 'struct path' prints bpftrace's definition" "$T/bt.s" "$T/hawk.s"

bt -l "uprobe:$TARGET:*" >"$T/bt.u"
"$LIST" -l "uprobe:$TARGET:*" >"$T/hawk.u"
same "uprobe: of the test binary prints bpftrace's functions" "$T/bt.u" "$T/hawk.u"

bt -l "usdt:$TARGET:*" >"$T/bt.usdt"
"$LIST" -l "usdt:$TARGET:*" >"$T/hawk.usdt"
same "usdt: of the test binary prints bpftrace's probes" "$T/bt.usdt" "$T/hawk.usdt"
