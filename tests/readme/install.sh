#!/bin/sh
# install.sh BUILDDIR TOOL...: `meson install` into a scratch DESTDIR puts hawk, hawk-run and
# every tool on PATH (bindir, executable, runnable by name: its -h) and the man pages where
# man finds them (hawk(8), hawk-language(7), hawk-run(8), NAME.bt(8)); one TAP line each.
build=$1
shift
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
echo "1..$(($# + 4))"
if ! meson install -C "$build" --no-rebuild --destdir "$dest" >"$dest.log" 2>&1; then
	echo "Bail out! meson install failed: $(tail -3 "$dest.log")"
	rm -f "$dest.log"
	exit 1
fi
rm -f "$dest.log"
bin=$(dirname "$(find "$dest" -type f -name hawk -perm -u+x | head -1)")
man=$(dirname "$(dirname "$(find "$dest" -name hawk.8 | head -1)")")
i=0
check() {
	i=$((i + 1))
	if [ -n "$2" ]; then echo "ok $i - $1"; else echo "not ok $i - $1"; fi
}
for page in hawk hawk-language hawk-run; do
	check "man finds $page" "$(MANPATH=$man man -w "$page" 2>/dev/null)"
done
check "hawk-run is on PATH" "$(PATH="$bin" command -v hawk-run)"
for t in "$@"; do
	name=$(basename "$t")
	ok=
	if [ -x "$bin/$name" ] && PATH="$bin:/usr/bin:/bin" "$name" -h 2>/dev/null | grep -q "^Usage: $name" &&
	   [ -n "$(MANPATH=$man man -w "$name" 2>/dev/null)" ]; then
		ok=1
	fi
	check "$name: on PATH, runs by name, man finds its page" "$ok"
done
