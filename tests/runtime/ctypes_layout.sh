#!/bin/sh
# ctypes_layout.sh HAWK: hawk's own preprocessor and C parser against gcc on the machine's
# headers: the same sizeof/offsetof list is compiled by gcc and run by hawk; prints "same"
# or both outputs. Used by ctypes.test.
set -e
hawk=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
headers='#define _GNU_SOURCE
#include <sys/stat.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/ipv6.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <linux/if_ether.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <poll.h>
#include <termios.h>
#include <sys/time.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/udp.h>
#include <sys/select.h>
#include <sys/un.h>
#include <sys/user.h>
#include <pthread.h>
#include <sched.h>'
exprs='sizeof(struct stat)
sizeof(struct timespec)
sizeof(struct sockaddr_in6)
sizeof(struct iphdr)
sizeof(struct tcphdr)
sizeof(struct ipv6hdr)
sizeof(union bpf_attr)
sizeof(struct sigaction)
sizeof(struct rusage)
sizeof(struct statx)
sizeof(struct epoll_event)
sizeof(struct ethhdr)
sizeof(struct msghdr)
sizeof(struct utsname)
sizeof(struct pollfd)
sizeof(struct termios)
sizeof(struct tm)
sizeof(struct dirent)
sizeof(struct flock)
sizeof(siginfo_t)
sizeof(struct perf_event_attr)
sizeof(struct bpf_insn)
sizeof(struct udphdr)
sizeof(fd_set)
sizeof(sigset_t)
sizeof(struct sockaddr_un)
sizeof(struct ucred)
sizeof(struct user_regs_struct)
sizeof(pthread_attr_t)
sizeof(pthread_mutex_t)
sizeof(pthread_cond_t)
offsetof(struct stat, st_mtim)
offsetof(struct sockaddr_in6, sin6_addr)
offsetof(struct iphdr, saddr)
offsetof(struct tcphdr, window)
offsetof(struct epoll_event, data)
offsetof(struct perf_event_attr, sample_type)
offsetof(struct statx, stx_mtime)
offsetof(struct user_regs_struct, rip)
O_CREAT
O_CLOEXEC
EAGAIN
SIGKILL
EPOLLIN
ETH_P_IPV6
IPPROTO_TCP
BPF_MAP_TYPE_HASH
PERF_TYPE_SOFTWARE
'
{
	echo "$headers"
	echo '#include <errno.h>'
	echo '#include <stddef.h>'
	echo '#include <stdio.h>'
	echo 'int main(void) {'
	echo "$exprs" | while IFS= read -r e; do
		if [ -n "$e" ]; then printf 'printf("%%ld ", (long)(%s));\n' "$e"; fi
	done
	printf '%s\n' 'printf("\n"); return 0; }'
} > "$dir/layout.c"
{
	echo "$headers"
	echo '#include <errno.h>'
	printf 'BEGIN { '
	echo "$exprs" | while IFS= read -r e; do
		if [ -n "$e" ]; then printf 'printf("%%d ", %s); ' "$e"; fi
	done
	printf '%s\n' 'printf("\n"); exit(); }'
} > "$dir/layout.bt"
${CC:-cc} -w -o "$dir/layout" "$dir/layout.c"
"$dir/layout" > "$dir/gcc.out"
"$hawk" -q "$dir/layout.bt" 2> "$dir/hawk.err" | sed "/^$/d" > "$dir/hawk.out"
if cmp -s "$dir/gcc.out" "$dir/hawk.out"; then
	echo same
else
	echo "gcc:  $(cat "$dir/gcc.out")"
	echo "hawk: $(cat "$dir/hawk.out")"
	cat "$dir/hawk.err"
fi
