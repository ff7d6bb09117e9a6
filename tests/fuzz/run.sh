#!/usr/bin/env bash
# run.sh SECONDS [BUILD_DIR]: build a libFuzzer target with clang-14 and fuzz it.
#
# FUZZ_TARGET picks the target: `compile` (the default: fuzz_compile.c, the whole compilation
# through the semantic passes and codegen to a BPF object, nothing loaded) or `parse`
# (fuzz_parse.c, the parser and the attach points alone, many times faster per input).
# The sources are compiled with exactly the flags meson uses for the hawk libraries (read
# from BUILD_DIR/compile_commands.json), plus -fsanitize=fuzzer,address,undefined. Without
# BUILD_DIR, build/ is built first. Exits non-zero on any crash, leak, timeout or sanitizer
# report; the input that caused it is left in tests/fuzz/artifacts/.
set -euo pipefail

secs="${1:?usage: run.sh SECONDS [BUILD_DIR]}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${FUZZ_TARGET:-compile}"
case "$target" in
compile) libs='front|gen|core' ;;
parse) libs='front|gen' ;;
*) echo "run.sh: FUZZ_TARGET is compile or parse, not '$target'" >&2; exit 2 ;;
esac
if [ $# -ge 2 ]; then
	build="$(cd "$2" && pwd)"        # from meson test: already built
else
	build="$root/build"
	ninja -C "$build" libhawk-front.a libhawk-core.a >/dev/null
fi

cc="${FUZZ_CC:-clang-14}"
# shellcheck disable=SC2054  # the commas are clang's, not array separators
san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g -O1)
# Every arena block its own malloc (src/common/arena.c), so ASan sees overflows between objects.
san+=(-DHAWK_ARENA_DEBUG)
work="$(mktemp -d -t hawk-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# One clang command per front-end source: meson's own command with the compiler, the
# output, the dependency-file flags and the optimisation level swapped out.
python3 - "$build/compile_commands.json" "$work" "$libs" "$cc" "${san[@]}" > "$work/compile.sh" <<'PY'
import json, re, shlex, sys
db, work, libs, cc, san = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
n = 0
for e in json.load(open(db)):
    # hawk-front, the generated scanner/parser it links whole (hawk-gen), and for the
    # compile target the passes, codegen, runtime and driver (hawk-core)
    if not re.search(r"(^|/)libhawk-(%s)\.a\.p/" % libs, e["output"]):
        continue
    args = shlex.split(e["command"])[1:]
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in ("-o", "-MQ", "-MF"):
            skip = True
        elif a in ("-c", "-MD", "-Werror", e["file"]) or a.startswith(("-O", "-g", "-fdiagnostics-color")):
            pass
        else:
            out.append(a)
    obj = "%s/front%d.o" % (work, n)
    n += 1
    print("cd %s && %s %s %s -c %s -o %s" % (shlex.quote(e["directory"]), cc,
          " ".join(map(shlex.quote, out)), " ".join(san), shlex.quote(e["file"]), obj))
if n == 0:
    sys.exit("run.sh: no hawk-front sources in " + db)
PY
echo "run.sh: compiling the $target target with $cc"
bash -e "$work/compile.sh"
# The compile target links LLVM too (shared: the sanitizers need not see inside it).
link=()
if [ "$target" = compile ]; then
	llvm_config="${LLVM_CONFIG:-llvm-config-16}"
	read -r -a link <<< "$("$llvm_config" --ldflags) $("$llvm_config" --libs) -lstdc++ \
-Wl,-rpath,$("$llvm_config" --libdir)"
fi
# shellcheck disable=SC2046  # pkg-config's flags are words
"$cc" "${san[@]}" -std=gnu11 -D_GNU_SOURCE -I"$root/src" "$here/fuzz_$target.c" "$work"/front*.o \
	"${link[@]}" $(pkg-config --libs libbpf libelf libdw zlib) -o "$work/fuzz_$target"

# Seeds: ours (read-only), the Debian bpftrace tools (copied to the temporary dir, never into
# the repository), the case files' programs, and what earlier runs found (corpus-run/,
# git-ignored, grows). bpftrace.dict gives the mutator the language's words.
mkdir -p "$here/corpus-run" "$here/artifacts" "$work/debian"
if dpkg-query -W -f='${Status}' bpftrace 2>/dev/null | grep -q '^install ok installed$'; then
	dpkg -L bpftrace | grep '\.bt$' | while read -r f; do cp "$f" "$work/debian/"; done
fi
# The programs of the parser and semantic case files, one seed each (in the temporary dir).
mkdir -p "$work/cases"
python3 - "$work/cases" "$root"/tests/parser/*.test "$root"/tests/sema/*.test <<'PY'
import sys
out, n = sys.argv[1], 0
for path in sys.argv[2:]:
    prog = None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("=== "):
            prog = []
        elif prog is not None and line.startswith("--- "):
            text = "\n".join(prog)
            if text and "$(" not in text:
                with open("%s/case%d.bt" % (out, n), "w") as f:
                    f.write(text)
                n += 1
            prog = None
        elif prog is not None:
            prog.append(line)
PY

echo "run.sh: fuzzing for $secs s"
status=0
# FUZZ_ARGS: extra libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1" for a long run that
# collects every crash rather than stopping at the first.
# shellcheck disable=SC2086
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
"$work/fuzz_$target" -max_total_time="$secs" -detect_leaks=1 -timeout=10 -max_len=16384 ${FUZZ_ARGS:-} \
	-print_final_stats=1 -artifact_prefix="$here/artifacts/" \
	-dict="$here/bpftrace.dict" "$here/corpus-run" "$here/corpus" "$work/debian" "$work/cases" \
	|| status=$?
if [ "$status" -ne 0 ]; then
	echo "run.sh: FAILED (exit $status); reproduce with the input in tests/fuzz/artifacts/" >&2
	exit 1
fi
echo "run.sh: no crash, leak or sanitizer report in $secs s"
