#!/bin/sh
# kprobe_tools.sh HAWK: every kprobe/kretprobe tool of Debian's bpftrace package under --dry-run on a
# kernel without kprobes: it must compile, pass the verifier and report only the kprobe attaches it
# could not make (one warning each), then exit 0. One TAP line per tool; the tools are read where
# dpkg put them, never copied here.
set -u

hawk="${1:?usage: kprobe_tools.sh PATH-TO-HAWK}"

if ! dpkg-query -W -f='${Status}' bpftrace 2>/dev/null | grep -q '^install ok installed$'; then
	echo "Bail out! the bpftrace package is not installed; run ./setup.sh (this test never skips)"
	exit 1
fi
if [ -e /sys/bus/event_source/devices/kprobe ]; then
	echo "Bail out! this kernel has kprobes: this test checks the machine without them"
	exit 1
fi

# The tools that load now. Extra warnings a tool may give besides its kprobe attaches:
#   dcsnoop.bt  kprobe:lookup_fast.constprop.* matches nothing here (bpftrace 0.17 warns too)
#   vfscount.bt 78 probes: only the first 20 warnings are shown
passing="biolatency biosnoop biostacks capable dcsnoop mdflush oomkill swapin tcpaccept tcpconnect
tcplife tcpretrans tcpsynbl undump vfscount vfsstat xfsdist"

# PENDING: kprobe tools that need language features not built yet. Move a tool up to
# `passing` when the feature lands (the test fails on a tool in neither list).
#   (none left)
pending=""

tools=$(dpkg -L bpftrace | grep '^/usr/sbin/.*\.bt$' | sort | while read -r t; do
	grep -qE '(^|[ ,])(kprobe|kretprobe|kr?):' "$t" && echo "$t"
done)
# Pending tools are named in comments, not counted as passes.
n=0
for tool in $tools; do
	case " $pending " in
	*" $(basename "$tool" .bt) "*) echo "# pending (not run): $(basename "$tool")" ;;
	*) n=$((n + 1)) ;;
	esac
done
echo "1..$n"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
i=0
for tool in $tools; do
	i=$((i + 1))
	name=$(basename "$tool" .bt)
	case " $(echo $passing) " in
	*" $name "*) ;;
	*)
		case " $pending " in
		*" $name "*) i=$((i - 1)); continue ;;
		esac
		echo "not ok $i - $name.bt is a kprobe tool in neither list of $0"
		continue ;;
	esac
	NO_COLOR=1 timeout 60 "$hawk" --dry-run "$tool" >"$out" 2>&1
	rc=$?
	# Diagnostic lines only (the source line and underline after each are not).
	bad=$(grep -E '^(/|hawk:|ERROR|WARNING)' "$out" |
	      grep -vE ': WARNING: cannot attach k(ret)?probe:[^ ]+: this kernel has no kprobes' |
	      grep -vE 'dcsnoop.bt:[0-9]+:[0-9-]+: WARNING: No matches for kprobe lookup_fast.constprop' |
	      grep -vE '^WARNING: too many warnings: only the first 20 are shown')
	kw=$(grep -cE ': WARNING: cannot attach k(ret)?probe:' "$out")
	if [ "$rc" = 0 ] && [ -z "$bad" ] && [ "$kw" -gt 0 ] && grep -qE '^Attached [0-9]+ probes?$' "$out"; then
		echo "ok $i - $name.bt ($kw kprobe attaches refused)"
	else
		echo "not ok $i - $name.bt (exit $rc, $kw kprobe warnings)"
		sed 's/^/# /' "$out"
	fi
done
