#!/bin/sh
# providers.sh LISTER: the whole listing, the fixed lists, BTF-backed providers, kernel types, pattern forms.
. "$(dirname "$0")/lib.sh"
need_root
echo "1..20"

"$LIST" -l >"$T/all" 2>"$T/err"
check "-l with no pattern exits 0" test $? -eq 0
check "-l is sorted and has no duplicates" sort -c -u "$T/all"
for p in begin end interval:hz: profile:s: software:cpu-clock: software:cs: iter:task \
	tracepoint:sched:sched_switch rawtracepoint:vmlinux:sched_switch; do
	grep -qx "$p" "$T/all" || echo "missing $p"
done >"$T/missing"
check "-l lists every kind of probe" test ! -s "$T/missing"
cat "$T/missing" | sed 's/^/# /'

# Hardware events are bpftrace's table, listed with or without a PMU (bpftrace 0.17 and current
# list them in a VM too); attaching one without PMU is the error that says so.
check "hardware: listed (a fixed table, as bpftrace lists it)" grep -qx 'hardware:cache-misses:' "$T/all"

start=$(date +%s%N)
first=$(timeout 10 sh -c "'$LIST' -l | head -1")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "-l | head -1 returns at once (${ms} ms)" test "$first" = begin -a "$ms" -lt 2000

printf '%s\n' software:alignment-faults: software:bpf-output: software:context-switches: \
	software:cpu-clock: software:cpu-migrations: software:cpu: software:cs: software:dummy: \
	software:emulation-faults: software:faults: software:major-faults: software:minor-faults: \
	software:page-faults: software:task-clock: >"$T/sw.expected"
"$LIST" -l 'software:*' >"$T/sw"
same "software:* is bpftrace's list with aliases" "$T/sw.expected" "$T/sw"
printf 'interval:hz:\ninterval:ms:\ninterval:s:\ninterval:us:\n' >"$T/iv.expected"
"$LIST" -l 'i:*' >"$T/iv"
same "interval:* lists the units" "$T/iv.expected" "$T/iv"

# BTF-backed lists against bpftool's dump of the same BTF.
bpftool btf dump file /sys/kernel/btf/vmlinux >"$T/btf"
sed -n "s/.* FUNC '__\(probestub\|traceiter\)_\([^']*\)'.*/rawtracepoint:vmlinux:\2/p" "$T/btf" |
	sort -u >"$T/rawtp.truth"
"$LIST" -l 'rawtracepoint:*' >"$T/rawtp"
same "rawtracepoint:* is the tracepoints vmlinux BTF describes" "$T/rawtp.truth" "$T/rawtp"
sed -n "s/.* STRUCT 'bpf_iter__\([^']*\)'.*/iter:\1/p" "$T/btf" | grep -v '__safe_trusted$' |
	sort -u >"$T/iter.truth"
"$LIST" -l 'iter:*' >"$T/iter"
same "iter:* is the kernel's bpf_iter__ contexts" "$T/iter.truth" "$T/iter"
"$LIST" -lv 'rawtracepoint:sched_switch' >"$T/rt.v"
check "-lv rawtracepoint shows BTF arguments" grep -qx '    struct task_struct \* prev' "$T/rt.v"
"$LIST" -lv 'fentry:vfs_read' >"$T/fe.v" 2>/dev/null
printf 'fentry:vmlinux:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n' >"$T/fe.expected"
same "-lv fentry shows the BTF signature" "$T/fe.expected" "$T/fe.v"
"$LIST" -lv 'kprobe:vfs_read' >"$T/kp.v" 2>/dev/null
printf 'kprobe:vfs_read\n    struct file * arg0\n    char * arg1\n    size_t arg2\n    loff_t * arg3\n' >"$T/kp.expected"
same "-lv kprobe shows the BTF signature as argN" "$T/kp.expected" "$T/kp.v"

printf 'vmlinux: struct path {\n\tstruct vfsmount *mnt;\n\tstruct dentry *dentry;\n};\n\n' >"$T/path.expected"
"$LIST" -lv 'struct path' >"$T/path"
same "-lv 'struct path' prints the definition" "$T/path.expected" "$T/path"
"$LIST" -l 'struct task_str*' >"$T/ts"
check "-l 'struct task_str*' lists type names" grep -qx 'struct task_struct' "$T/ts"

"$LIST" -l sched_switch >"$T/word"
printf 'rawtracepoint:vmlinux:sched_switch\ntracepoint:sched:sched_switch\n' >"$T/word.expected"
same "a bare word searches every provider's names" "$T/word.expected" "$T/word"
"$LIST" -l tracepoint >"$T/tp.word"
"$LIST" -l 'tracepoint:*' >"$T/tp.star"
same "a provider's name alone lists all of it" "$T/tp.star" "$T/tp.word"
"$LIST" -l '*:sched:sched_switch' >"$T/wild"
echo tracepoint:sched:sched_switch >"$T/wild.expected"
same "a wildcard provider matches providers" "$T/wild.expected" "$T/wild"

# Current bpftrace: an argument naming a file lists its script's probes; one that looks like a
# file name and names none is a pattern, after a warning.
printf 'interval:s:1 { exit(); }\ntracepoint:sched:sched_switch { }\n' >"$T/two.bt"
"$LIST" -l "$T/two.bt" >"$T/file"
printf 'interval:s:\ntracepoint:sched:sched_switch\n' >"$T/file.expected"
same "-l FILE lists the script's probes" "$T/file.expected" "$T/file"
"$LIST" -l "$T/none.bt" >"$T/none" 2>"$T/none.err"
check "-l with a missing FILE.bt warns and searches" grep -qx "WARNING: It appears that '$T/none.bt' is a filename but the file does not exist. Treating '$T/none.bt' as a search pattern." "$T/none.err"
# A program's counted probes are listed as the catalogue names them, without the count.
"$LIST" -l -e 'hardware:cache-misses:10 { } software:cpu-clock:1000 { } profile:hz:99 { } interval:ms:5 { }' >"$T/counted"
printf 'hardware:cache-misses:\nsoftware:cpu-clock:\nprofile:hz:\ninterval:ms:\n' >"$T/counted.expected"
same "-l -e lists counted probes without their counts" "$T/counted.expected" "$T/counted"
