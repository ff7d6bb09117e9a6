#!/bin/sh
# errors.sh LISTER: every bad pattern gets one "ERROR:" line on stderr, nothing on stdout, status 1.
. "$(dirname "$0")/lib.sh"
need_root

set -- 'sched:*' 'nosuch:*' 'tracepoint:a:b:c' 'uprobe:*' 'uprobe:' 'uprobe:/nonexistent:*' \
	'uprobe:/etc/passwd:*' 'uprobe:libnosuchlibrary:*' 'usdt:/no/such/file:*' \
	'watchpoint:*' 'z*:foo' 'tracepoint:"sched' 'struct a b' 'begin:x' 'software:cpu:1:2' \
	'a:b:c:d:e:f:g' 'kprobe:a:b:c' '\n' 'sched:{a}'
echo "1..$#"
for p in "$@"; do
	"$LIST" -l "$p" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ $rc -eq 1 ] && [ ! -s "$T/out" ] && [ "$lines" -eq 1 ] && grep -q '^ERROR: ' "$T/err"; then
		ok "$p: $(cat "$T/err")"
	else
		notok "$p (status $rc, $lines stderr lines)"
		sed 's/^/# /' "$T/out" "$T/err"
	fi
done
