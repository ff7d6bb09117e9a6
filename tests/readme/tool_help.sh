#!/bin/sh
# tool_help.sh HAWK CASES TOOL...: `TOOL -h`, run as a user runs a tool (executable, through
# its `#!/usr/bin/env hawk` line, hawk found on PATH), prints the tool's usage from its header
# comment and exits 0 having loaded nothing, and CASES (tests/runtime/tools.test) runs the
# tool on a workload; one TAP line per tool, then hawk's own -h cases.
hawk=$1
cases=$2
shift 2
dir=$(cd "$(dirname "$hawk")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..$(($# + 8))"
i=0
ok() { i=$((i + 1)); echo "ok $i - $1"; }
notok() { i=$((i + 1)); echo "not ok $i - $1"; sed 's/^/# /' "$tmp/out"; }
for t in "$@"; do
	name=$(basename "$t")
	if PATH="$dir:/usr/bin:/bin" "$t" -h >"$tmp/out" 2>&1 &&
	   grep -q "^Usage: $name" "$tmp/out" && ! grep -q '^USAGE:' "$tmp/out" &&
	   ! grep -q 'Attached' "$tmp/out" && grep -q "^RUN .*/scripts/$name" "$cases"; then
		ok "$name -h prints its usage; tools.test runs it"
	else
		grep -q "^RUN .*/scripts/$name" "$cases" || echo "no RUN of scripts/$name in $cases" >>"$tmp/out"
		notok "$name -h, or no case in tools.test"
	fi
done
# Every scripts/*.bt is one of the tools given (scripts/meson.build's hawk_tools: installed,
# with a man page, and tested).
missing=
for f in "$(dirname "$1")"/*.bt; do
	case " $* " in *" $f "*) ;; *) missing="$missing $(basename "$f")" ;; esac
done
if [ -z "$missing" ]; then ok "every scripts/*.bt is in hawk_tools"; else echo "not in hawk_tools:$missing" >"$tmp/out"; notok "every scripts/*.bt is in hawk_tools"; fi
# ... and has a row in scripts/README.md's table (what it traces, probe types, what it replaces).
missing=
for f in "$@"; do
	grep -q "^| $(basename "$f") |" "$(dirname "$f")/README.md" || missing="$missing $(basename "$f")"
done
if [ -z "$missing" ]; then ok "every tool has a row in scripts/README.md"; else echo "no row:$missing" >"$tmp/out"; notok "every tool has a row in scripts/README.md"; fi
# -h in a cluster after the script (-qh) is the script's too; -h before it, or with -e (also
# in a cluster, -qe), is hawk's own help.
if "$hawk" "$1" -qh >"$tmp/out" 2>&1 && grep -q "^Usage: $(basename "$1")" "$tmp/out"; then ok "FILE -qh: the script's usage"; else notok "FILE -qh"; fi
if "$hawk" -qe 'BEGIN { exit(); }' -h >"$tmp/out" 2>&1 && grep -q '^USAGE:' "$tmp/out"; then ok "hawk -qe PROG -h: hawk's help"; else notok "hawk -qe PROG -h"; fi
if "$hawk" -h "$1" >"$tmp/out" 2>&1 && grep -q '^USAGE:' "$tmp/out"; then ok "hawk -h FILE: hawk's help"; else notok "hawk -h FILE"; fi
if "$hawk" -e 'BEGIN { exit(); }' -h >"$tmp/out" 2>&1 && grep -q '^USAGE:' "$tmp/out"; then ok "hawk -e PROG -h: hawk's help"; else notok "hawk -e PROG -h"; fi
# A bpftrace-style header, a /* */ block, is a usage too; a script with none gets a line.
printf '/*\n * demo.bt  Count things.\n *\n * USAGE: demo.bt [PID]\n */\nBEGIN { exit(); }\n' >"$tmp/demo.bt"
if "$hawk" "$tmp/demo.bt" --help >"$tmp/out" 2>&1 && grep -q '^demo.bt  Count things.$' "$tmp/out" &&
   grep -q '^USAGE: demo.bt \[PID\]$' "$tmp/out" && ! grep -q '\*' "$tmp/out"; then
	ok "a /* */ header is the usage"
else
	notok "a /* */ header"
fi
printf 'BEGIN { exit(); }\n' >"$tmp/bare.bt"
if "$hawk" "$tmp/bare.bt" -h >"$tmp/out" 2>&1 && grep -q "^USAGE: hawk $tmp/bare.bt \[ARGS...\]$" "$tmp/out"; then
	ok "no header: a generic usage"
else
	notok "no header"
fi
