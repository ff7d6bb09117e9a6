#!/bin/sh
# layers.sh: every #include "..." in src/ points down the layer order below; with a hawk-run
# binary, also that it carries no LLVM, parser, tree, passes or codegen.
#
# The layers, each with the folders its files may include (its own always):
#
#   common   -                          the shared vocabulary: types, probe types, the builtin
#                                       table, printf formats, settings, the program
#                                       description (desc.h); arena, diagnostics, name tables
#   probes   common                     system facts (tracefs, BTF, binaries, DWARF) and the
#                                       probe catalogue: below the passes
#   lexer    common                     tokens, never tree nodes; lexer.l alone also takes the
#                                       token codes from the grammar (parser/parser.h, which
#                                       declares the tree only as an opaque type)
#   output   common                     the printers
#   ast      common probes              the tree and the semantic passes
#   parser   common probes lexer ast    builds the tree from tokens
#   codegen  common probes ast          tree to BPF and the program description
#   runtime  common probes output       runs a description: no tree, parser or codegen, so
#                                       hawk-run links without LLVM
#   hawk_run.c   as runtime, plus runtime
#   main.c, driver.c (the top)          anything
# LLVM's headers (<llvm-c/...>) are codegen's and the top's alone.
#
# Usage: layers.sh SRC_DIR [HAWK_RUN]
set -u
src=${1:?usage: layers.sh SRC_DIR [HAWK_RUN]}
run=${2:-}

allowed() {
	case $1 in
	common) echo "common" ;;
	probes) echo "common probes" ;;
	lexer) echo "common lexer" ;;
	output) echo "common output" ;;
	ast) echo "common probes ast" ;;
	parser) echo "common probes lexer ast parser" ;;
	codegen) echo "common probes ast codegen" ;;
	runtime) echo "common probes output runtime" ;;
	hawk_run.c) echo "common probes output runtime" ;;
	main.c | driver.c | driver.h) echo "*" ;;
	*) echo "?" ;;
	esac
}

bad=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
files=$(cd "$src" && find . -type f \( -name '*.[chly]' -o -name '*.inc' -o -name '*.def' \) | sed 's|^\./||' | sort)
for f in $files; do
	case $f in
	*/*) layer=${f%%/*} ;;
	*) layer=$f ;;
	esac
	ok=$(allowed "$layer")
	if [ "$ok" = "?" ]; then
		echo "$src/$f: not in any layer: add its folder to tests/layers.sh"
		bad=1
		continue
	fi
	[ "$ok" = "*" ] && continue
	# NUMBER TARGET for each #include "..." line
	grep -n '^[ \t]*#[ \t]*include[ \t]*"' "$src/$f" |
		sed 's/^\([0-9]*\):[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1 \2/' >"$tmp"
	while read -r line target; do
		case $target in
		*/*) to=${target%%/*} ;;
		*) continue ;; # beside the includer: its own layer
		esac
		case " $ok " in
		*" $to "*) continue ;;
		esac
		if [ "$f" = lexer/lexer.l ] && [ "$target" = parser/parser.h ]; then
			continue
		fi
		echo "$src/$f:$line: #include \"$target\": $layer may include only: $ok"
		bad=1
	done <"$tmp"
	# LLVM's headers: codegen's alone (and the top's); the passes know no LLVM.
	if [ "$layer" != codegen ]; then
		grep -n '^[ \t]*#[ \t]*include[ \t]*<llvm' "$src/$f" |
			sed "s|^\([0-9]*\):[ \t]*|$src/$f:\1: |; s|\$|: LLVM belongs to codegen|"
		grep -q '^[ \t]*#[ \t]*include[ \t]*<llvm' "$src/$f" && bad=1
	fi
done

# hawk-run is built from the sources below the passes. No global symbol of the lexer, the
# parser, the tree and passes, codegen or the driver (their objects sit in the build
# directory beside it) may be in it, nor any of LLVM's; nor may it need LLVM or libc++.
if [ -n "$run" ]; then
	objs=$(find "$(dirname "$run")" -name '*.o' | grep -E '(src_(ast|parser|codegen|lexer)_|src_driver\.c|meson-generated_.*(lexer|parser))' || true)
	if [ -z "$objs" ]; then
		echo "$run: no front-end objects beside it to compare with"
		bad=1
	fi
	nm -g --defined-only $objs 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp"
	front=$(wc -l <"$tmp")
	syms=$(nm "$run" | awk 'NF == 3 { print $3 }' | sort -u | comm -12 - "$tmp" | head -5)
	syms="$syms $(nm "$run" | awk 'NF == 3 { print $3 }' | grep -E '^(LLVM[A-Z]|_ZN4llvm)' | head -5)"
	if [ -n "$(echo $syms)" ]; then
		echo "$run: holds front-end, codegen or LLVM symbols:" $syms
		bad=1
	fi
	# Its own NEEDED entries, not ldd's closure: the sanitizer build's libubsan needs libstdc++.
	if readelf -d "$run" | grep NEEDED | grep -Ei 'llvm|c\+\+'; then
		echo "$run: links LLVM or a C++ runtime"
		bad=1
	fi
	[ $bad = 0 ] && echo "$run: none of the $front front-end and codegen symbols, no LLVM"
fi

[ $bad = 0 ] && echo "layers: every include points down"
exit $bad
