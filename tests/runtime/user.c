/* user: the user-space target of the uprobe, usdt and watchpoint cases: functions with DWARF
 * parameters, USDT probes with and without a semaphore, a shared library's function and probe,
 * and a store to a fixed address. `hawk_user N` runs every step N times, then exits. */
#define _SDT_HAS_SEMAPHORES 1
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sdt.h>
#include <unistd.h>

#include "user.h"

/* <sys/sdt.h> names each probe's semaphore PROVIDER_NAME_semaphore, in
 * .probes: a tracer raises it while it traces the probe. Only `gated`
 * checks its own. */
#define SEMAPHORE(name) volatile unsigned short hawk_user_##name##_semaphore __attribute__((section(".probes")))
SEMAPHORE(plain);
SEMAPHORE(mem);
SEMAPHORE(consts);
SEMAPHORE(gated);

volatile int64_t user_global = -5;
volatile long user_sink;  /* results go here, so no call is optimised away */
/* The watchpoint cases watch this page. */
#define WATCH_ADDR ((volatile int64_t *)0x10000000)

struct point {
	int x;
	long y;
	const char *name;
};

__attribute__((noipa)) int user_add(int a, int b)
{
	return a + b;
}

__attribute__((noipa)) long user_point(struct point *p, int scale)
{
	return (p->x + p->y) * scale;
}

__attribute__((noipa)) int user_step_one(int i)
{
	return i + 1;
}

__attribute__((noipa)) int user_step_two(int i)
{
	return i + 2;
}

/* The watchpoint:user_watch+arg0 cases: the setup uprobe stops the process
 * after the function's first instruction has run (the kernel single-steps it
 * before a signal lands), so the store must not be that instruction. */
__attribute__((noipa, optimize("O0"))) void user_watch(volatile int64_t *at, int64_t v)
{
	*at = v;
}

/* A function whose first instruction uprobes cannot single-step (a lock
 * prefix: the kernel refuses it, ENOTSUPP), next to one it can. */
__attribute__((naked, noinline)) void hawk_locked(volatile int *p)
{
	(void)p;
	__asm__("lock btsl $5, (%rdi)\n\tret");
}

__attribute__((noipa)) int hawk_plain(int x)
{
	return x + 1;
}

/* Eight arguments: the last two go on the stack (sarg0, sarg1). */
__attribute__((noipa)) long many_args(long a, long b, long c, long d, long e, long f, long g, long h)
{
	return a + b + c + d + e + f + g + h;
}

__attribute__((noipa)) int user_probes(int i, const char *s, int64_t big, short neg)
{
	DTRACE_PROBE4(hawk_user, plain, i, s, big, neg);
	DTRACE_PROBE2(hawk_user, mem, user_global, 7);
	DTRACE_PROBE3(hawk_user, consts, -3, 4000000000u, -1234567890123ll);
	if (hawk_user_gated_semaphore)
		DTRACE_PROBE1(hawk_user, gated, i * 2);
	return i;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	if (mmap((void *)WATCH_ADDR, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED)
		return 1;
	for (int i = 0; i < n; i++) {
		char name[8];
		strcpy(name, "pt");
		struct point p = { i + 1, 100 * (i + 1), name };
		user_sink = user_add(i, 10);
		user_sink = user_point(&p, 3);
		user_sink = user_step_one(i);
		user_sink = user_step_two(i);
		user_sink = user_probes(i + 40, name, -1234567890123ll, (short)-3);
		user_sink = userlib_mul(i, 6);
		user_watch(WATCH_ADDR, i);
		hawk_locked((volatile int *)&user_sink);
		user_sink = hawk_plain(i);
		user_sink = (int)many_args(1, 2, 3, 4, 5, 6, 70 + i, 80);
		/* a longer pause after the first round: an asyncwatchpoint set by
		 * the first call is in place for the second */
		usleep(i ? 1000 : 50000);
	}
	return 0;
}
