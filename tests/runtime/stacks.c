/* The target of the ustack and usym cases (tests/runtime/user.test): a fixed
 * chain main -> stk_outer -> stk_middle -> stk_leaf, built with frame
 * pointers (the kernel unwinds user stacks through them) three ways: with
 * DWARF, without (.symtab only, and not position-independent), and stripped of every symbol with a
 * .gnu_debuglink to a separate debug file. Then it sleeps for argv[1]
 * milliseconds so that the tracer can see it alive, and exits. With "jit"
 * after it, it first plays a JIT: an anonymous mapping named in
 * /tmp/perf-PID.map, whose address it passes to stk_jit(), and the map file
 * is gone again when it exits. With "inline", it first calls stk_leaf from
 * inside stk_inl_inner, inlined into stk_inl_outer (show_debug_info's
 * inlined frames). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

volatile int stk_sink;
/* read by uaddr() (the nodebug build is not position-independent) */
volatile int stk_answer = 42;
volatile short stk_short = -2;
volatile long stk_long = 1234567890123;

__attribute__((noinline)) void stk_add(int x)
{
	stk_sink += x;
	__asm__ volatile("" ::: "memory");
}

/* Not a leaf: a leaf function gets no frame (no push %rbp), and the
 * kernel finds the caller of a function probed at its entry only at a
 * push %rbp (6.12's "avoid missing caller address" fix). */
__attribute__((noinline)) void stk_leaf(int x)
{
	stk_add(x);
	stk_sink++;
}

__attribute__((noinline)) void stk_middle(int x)
{
	stk_leaf(x + 1);
	stk_sink++;
}

__attribute__((noinline)) void stk_outer(int x)
{
	stk_middle(x + 1);
	stk_sink++;
}

__attribute__((noinline)) void stk_jit(void *code)
{
	stk_sink += code != NULL;
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void stk_inl_inner(int x)
{
	stk_leaf(x * 3);
	stk_sink++;
}

__attribute__((noinline)) void stk_inl_outer(int x)
{
	stk_inl_inner(x + 1);
	stk_sink++;
}

int main(int argc, char **argv)
{
	char perfmap[64] = "";
	if (argc > 2 && !strcmp(argv[2], "inline"))
		stk_inl_outer(1);
	if (argc > 2 && !strcmp(argv[2], "jit")) {
		char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		snprintf(perfmap, sizeof(perfmap), "/tmp/perf-%d.map", (int)getpid());
		FILE *f = fopen(perfmap, "w");
		if (code == MAP_FAILED || !f)
			return 1;
		fprintf(f, "%lx 40 jitted_one\n%lx 40 LazyCompile:*jitted_two script.js:7\n",
			(unsigned long)code, (unsigned long)code + 0x40);
		fclose(f);
		stk_jit(code + 0x10);
		stk_jit(code + 0x44);
	}
	stk_outer(1);
	long ms = argc > 1 ? atol(argv[1]) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	if (perfmap[0])
		unlink(perfmap);
	return 0;
}
