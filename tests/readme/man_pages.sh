#!/bin/sh
# man_pages.sh PAGE...: each page renders with no warning from man (groff), one TAP line each.
echo "1..$#"
i=0
for p in "$@"; do
	i=$((i + 1))
	w=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	if [ -z "$w" ] && MANWIDTH=80 man -l "$p" 2>/dev/null | grep -q .; then
		echo "ok $i - $(basename "$p") renders with no warning"
	else
		echo "not ok $i - $(basename "$p")"
		echo "$w" | sed 's/^/# /'
	fi
done
