/* The target of the ustack and usym cases (tests/runtime/user.test): a fixed
 * chain main -> stk_outer -> stk_middle -> stk_leaf, built with frame
 * pointers (the kernel unwinds user stacks through them) three ways: with
 * DWARF, without (.symtab only, and not position-independent), and stripped of every symbol with a
 * .gnu_debuglink to a separate debug file. Then it sleeps for argv[1]
 * milliseconds so that the tracer can see it alive, and exits. */
#include <stdlib.h>
#include <time.h>

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

int main(int argc, char **argv)
{
	stk_outer(1);
	long ms = argc > 1 ? atol(argv[1]) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	return 0;
}
