#!/bin/sh
# corpus.sh HAWK: `hawk --syntax-only` (parse level) on every tool Debian's bpftrace package installs, one TAP line each.
# The scripts are read where dpkg put them; they are never copied into this repository.
set -u

hawk="${1:?usage: corpus.sh PATH-TO-HAWK}"

if ! dpkg-query -W -f='${Status}' bpftrace 2>/dev/null | grep -q '^install ok installed$'; then
	echo "Bail out! the bpftrace package is not installed; run ./setup.sh (this test never skips)"
	exit 1
fi

tools=$(dpkg -L bpftrace | grep '\.bt$' | sort)
if [ -z "$tools" ]; then
	echo "Bail out! dpkg -L bpftrace lists no .bt tools"
	exit 1
fi

n=$(printf '%s\n' "$tools" | wc -l)
echo "1..$n"
i=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%s\n' "$tools" | while read -r tool; do
	i=$((i + 1))
	if NO_COLOR=1 "$hawk" --syntax-only "$tool" >"$out" 2>&1; then
		echo "ok $i - $tool"
	else
		echo "not ok $i - $tool"
		sed 's/^/# /' "$out"
	fi
done
