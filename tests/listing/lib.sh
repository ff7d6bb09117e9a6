# lib.sh: TAP helpers for the listing tests, sourced by each tests/listing/*.sh.
# The lister is invoked like hawk: "$LIST -l PATTERN", "$LIST -lv PATTERN", "$LIST -l -p PID ...".

LIST="${1:?usage: $0 LISTER [ARGS...]}"
export LC_ALL=C NO_COLOR=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }

# check NAME COMMAND...: a subtest passing when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then ok "$name"; else notok "$name"; sed 's/^/# /' "$T/check.out" | head -40; fi
}

# same NAME EXPECTED ACTUAL: the two files are identical (diff shown on failure).
same() {
	if cmp -s "$2" "$3"; then ok "$1"; else notok "$1"; diff "$2" "$3" | head -40 | sed 's/^/# /'; fi
}

# Root is needed for tracefs (and for mounting it when it is missing).
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "Bail out! the listing tests need root (tracefs, BTF); run meson test as root"
		exit 1
	fi
}

tracefs() {
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$d/events" ] && { echo "$d"; return; }
	done
}
