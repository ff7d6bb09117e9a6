#!/bin/sh
# tracepoints.sh LISTER: tracepoint: listings against tracefs itself: the set, -lv fields, the mount.
. "$(dirname "$0")/lib.sh"
need_root
echo "1..7"

# hawk mounts tracefs when it is missing: try it in a private mount namespace.
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	check "tracefs is mounted when missing" unshare -m sh -c '
		umount /sys/kernel/tracing 2>/dev/null
		umount /sys/kernel/debug/tracing 2>/dev/null
		[ ! -d /sys/kernel/tracing/events ] || exit 3
		out=$("$0" -l tracepoint:sched:sched_switch) || exit 1
		[ "$out" = tracepoint:sched:sched_switch ]' "$LIST"
else
	notok "tracefs is mounted when missing (unshare -m unavailable)"
fi

"$LIST" -l 'tracepoint:*' >"$T/all" 2>"$T/err"
check "tracepoint:* exits 0 with nothing on stderr" test ! -s "$T/err"
TFS=$(tracefs)
# The event directories, less ftrace's internal category.
(cd "$TFS/events" && find . -mindepth 2 -maxdepth 2 -type d) | sed 's|^\./||; s|/|:|; s|^|tracepoint:|' |
	grep -v '^tracepoint:ftrace:' | sort >"$T/truth"
same "tracepoint:* is the set of event directories under $TFS/events" "$T/truth" "$T/all"
check "tracepoint:* is sorted and has no duplicates" sort -c -u "$T/all"

"$LIST" -l 'tracepoint:sched:*' >"$T/sched"
grep '^tracepoint:sched:' "$T/truth" >"$T/sched.truth"
same "tracepoint:sched:* is the sched category" "$T/sched.truth" "$T/sched"

# Ten tracepoints spread over the list; -lv prints each field after the common ones.
total=$(wc -l <"$T/truth")
awk -v step=$((total / 10)) 'NR % step == 1 && c < 10 { print; c++ }' "$T/truth" >"$T/ten"
: >"$T/ten.expected"
while read -r tp; do
	echo "$tp" >>"$T/ten.expected"
	rest=${tp#tracepoint:}
	awk 'blank && /^\tfield:/ { sub(/^\tfield:/, ""); sub(/;.*/, ""); print "    " $0 }
	     /^$/ { blank = 1 }' "$TFS/events/${rest%%:*}/${rest#*:}/format" >>"$T/ten.expected"
done <"$T/ten"
"$LIST" -lv "$(paste -sd, "$T/ten")" >"$T/ten.actual"
same "-lv of ten tracepoints prints their format files' fields" "$T/ten.expected" "$T/ten.actual"

# The same through the alias and a program.
"$LIST" -lv 't:sched:sched_switch' >"$T/alias"
"$LIST" -lv 'tracepoint:sched:sched_switch' >"$T/full"
same "t: is tracepoint:" "$T/full" "$T/alias"
