#!/bin/sh
# offsets.sh HAWK X86_64_BINARY ARM64_BINARY: for each target machine, the struct pt_regs
# offset the program reads argN, retval, reg(), sp (sargN), usermode's word and USDT operands
# from (the context's first read in `-d ir` of an artifact compiled with --target-arch):
# x86-64's arch/x86/include/asm/ptrace.h, arm64's arch/arm64/include/asm/ptrace.h (struct
# user_pt_regs: regs[31], sp, pc, pstate). The binaries are tests/arch/target.c built for
# each machine (the arm64 one by Debian's cross compiler). TAP.
hawk=$1 x86=$2 arm=$3
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cases='
x86_64 usdt:hawk:ops arg0 112
x86_64 usdt:hawk:ops arg1 104
x86_64 usdt:hawk:ops arg3 96
x86_64 usdt:hawk:consts arg0 none
arm64 usdt:hawk:ops arg0 0
arm64 usdt:hawk:ops arg1 8
arm64 usdt:hawk:ops arg2 16
arm64 usdt:hawk:ops arg3 16
arm64 usdt:hawk:consts arg0 none
x86_64 uprobe arg0 112
x86_64 uprobe arg1 104
x86_64 uprobe arg2 96
x86_64 uprobe arg3 88
x86_64 uprobe arg4 72
x86_64 uprobe arg5 64
x86_64 uretprobe retval 80
x86_64 uprobe reg("sp") 152
x86_64 uprobe reg("ip") 128
x86_64 uprobe reg("r15") 0
x86_64 uprobe sarg0 152
x86_64 uprobe usermode 136
arm64 uprobe arg0 0
arm64 uprobe arg1 8
arm64 uprobe arg2 16
arm64 uprobe arg5 40
arm64 uprobe arg7 56
arm64 uretprobe retval 0
arm64 uprobe reg("sp") 248
arm64 uprobe reg("pc") 256
arm64 uprobe reg("x29") 232
arm64 uprobe reg("lr") 240
arm64 uprobe reg("r30") 240
arm64 uprobe reg("pstate") 264
arm64 uprobe sarg0 248
arm64 uprobe usermode 264
'
n=$(printf '%s\n' "$cases" | grep -c .)
echo "1..$((n + 4))"
i=0
# The offset of the first read of the context (%0) in the IR: a getelementptr's
# constant, or 0 for a load from %0 itself; "none" when the value reads no register.
first_read() {
	sed -n 's/.*getelementptr i8, ptr %0, i64 \([0-9]*\).*/\1/p; s/.*load i64, ptr %0,.*/0/p' | head -1
}
printf '%s\n' "$cases" | while read -r arch probe expr off; do
	[ -n "$arch" ] || continue
	i=$((i + 1))
	bin=$x86
	[ "$arch" = arm64 ] && bin=$arm
	case $probe in
	usdt:*) point="usdt:$bin:${probe#usdt:}" ;;
	*) point="$probe:$bin:arch_fn" ;;
	esac
	out=$("$hawk" --target-arch "$arch" --aot "$tmp/a.aot" -d ir -e "$point { @ = $expr; }" 2>&1)
	got=$(printf '%s\n' "$out" | first_read)
	[ -z "$got" ] && printf '%s\n' "$out" | grep -q '^define' && got=none
	if [ "$got" = "$off" ]; then
		echo "ok $i - $arch $probe $expr at $off"
	else
		echo "not ok $i - $arch $probe $expr: read at '$got', expected $off"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -40
	fi
done
# arg8 on arm64 and arg6 on x86-64 are past the argument registers
i=$((n + 1))
if "$hawk" --target-arch arm64 --aot "$tmp/a.aot" -e "uprobe:$arm:arch_fn { @ = arg8; }" 2>&1 |
	grep -q 'only arg0 to arg7 are passed in registers on arm64'; then
	echo "ok $i - arm64 arg8 is past x0..x7"
else
	echo "not ok $i - arm64 arg8 is past x0..x7"
fi
i=$((n + 2))
if "$hawk" --target-arch x86_64 --aot "$tmp/a.aot" -e "uprobe:$x86:arch_fn { @ = arg6; }" 2>&1 |
	grep -q 'only arg0 to arg5 are passed in registers on x86_64'; then
	echo "ok $i - x86_64 arg6 is past the six argument registers"
else
	echo "not ok $i - x86_64 arg6 is past the six argument registers"
fi
# a binary of another machine than the program's is refused at its attach point
i=$((n + 3))
if "$hawk" --target-arch x86_64 --aot "$tmp/a.aot" -e "uprobe:$arm:arch_fn { @ = arg0; }" 2>&1 |
	grep -q "is an arm64 binary, and the program is for x86_64: compile it with --target-arch arm64"; then
	echo "ok $i - an arm64 binary in an x86_64 program is refused"
else
	echo "not ok $i - an arm64 binary in an x86_64 program is refused"
fi
# hawk runs no program for another machine
i=$((n + 4))
out=$("$hawk" --target-arch arm64 -e 'BEGIN { exit(); }' 2>&1)
if [ "$out" = "ERROR: a program for arm64 cannot run on this x86_64 machine: write it with --aot FILE (hawk-run runs it there) or --emit-elf FILE" ] ||
   [ "$(uname -m)" = aarch64 ]; then
	echo "ok $i - hawk does not run another machine's program"
else
	echo "not ok $i - hawk does not run another machine's program: $out"
fi
