#!/bin/sh
# user.sh LISTER TARGET: uprobe:/usdt: of a test binary against readelf, DWARF arguments, -p and library names.
. "$(dirname "$0")/lib.sh"
TARGET=$(readlink -f "${2:?usage: user.sh LISTER TARGET}")
need_root
echo "1..10"

# Function symbols defined in .symtab and .dynsym, as readelf sees them.
readelf -W --syms "$TARGET" | awk '($4 == "FUNC" || $4 == "IFUNC") && $7 != "UND" { print $8 }' |
	sed 's/@.*//' | grep -v '\.part\.' | sed "s|^|uprobe:$TARGET:|" | sort -u >"$T/funcs.truth"
"$LIST" -l "uprobe:$TARGET:*" >"$T/funcs"
same "uprobe:TARGET:* is the binary's function symbols" "$T/funcs.truth" "$T/funcs"
check "the test functions are listed" grep -qx "uprobe:$TARGET:hawk_list_static" "$T/funcs"

readelf -n "$TARGET" | awk '/Provider:/ { p = $2 } /Name:/ { print p ":" $2 }' |
	sed "s|^|usdt:$TARGET:|" | sort -u >"$T/usdt.truth"
"$LIST" -l "usdt:$TARGET:*" >"$T/usdt"
same "usdt:TARGET:* is the binary's .note.stapsdt probes" "$T/usdt.truth" "$T/usdt"
"$LIST" -l "usdt:$TARGET:hawk_test:*" >"$T/usdt.ns"
grep ':hawk_test:' "$T/usdt.truth" >"$T/usdt.ns.truth"
same "usdt:TARGET:PROVIDER:* filters on the provider" "$T/usdt.ns.truth" "$T/usdt.ns"

cat >"$T/args.expected" <<EOT
uprobe:$TARGET:hawk_list_add
    int a
    long int b
uprobe:$TARGET:hawk_list_name
    const char* prefix
    struct hawk_point* p
    unsigned int n
uprobe:$TARGET:hawk_list_static
    void (*)(int) cb
    char** argv
EOT
"$LIST" -lv "uprobe:$TARGET:hawk_list_*" >"$T/args"
same "-lv shows DWARF argument names and types" "$T/args.expected" "$T/args"

"$LIST" -l -e "uprobe:$TARGET:hawk_list_a* { } usdt:$TARGET:hawk_other:* { }" >"$T/prog"
printf 'uprobe:%s:hawk_list_add\nusdt:%s:hawk_other:start\n' "$TARGET" "$TARGET" >"$T/prog.expected"
same "-l -e PROGRAM lists the program's probes" "$T/prog.expected" "$T/prog"

# A library by name, through ld.so.cache.
libc=$(ldconfig -p | awk '$1 == "libc.so.6" && /x86-64|AArch64|64bit/ { print $NF; exit }')
"$LIST" -l 'uprobe:libc:malloc' >"$T/libc"
check "uprobe:libc:malloc resolves libc through ld.so.cache ($libc)" \
	grep -qx "uprobe:${libc}:malloc" "$T/libc"

# -p PID: every object the process maps.
"$TARGET" wait >"$T/ready" &
pid=$!
i=0
while [ ! -s "$T/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$LIST" -l -p "$pid" 'usdt:*' >"$T/pid.usdt"
check "-p PID usdt:* lists the process's probes" sh -c "grep -F -x -f '$T/usdt.truth' '$T/pid.usdt' | cmp -s - '$T/usdt.truth'"
"$LIST" -l -p "$pid" 'uprobe:*:hawk_list_add' >"$T/pid.up"
echo "uprobe:$TARGET:hawk_list_add" >"$T/pid.up.expected"
same "-p PID uprobe:*:FUNC finds it in the executable" "$T/pid.up.expected" "$T/pid.up"
"$LIST" -l -p "$pid" 'uprobe:*:malloc' >"$T/pid.malloc"
check "-p PID uprobe:*:malloc finds libc's" grep -q "libc.*:malloc$" "$T/pid.malloc"
kill "$pid"
wait "$pid" 2>/dev/null || true
