/* target: a binary with known functions, parameters and USDT probes for the listing tests.
 * Run with no argument it exits; with "wait" it fires its probes and sleeps until killed (-p tests). */
#include <stdio.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

struct hawk_point {
	int x, y;
};

/* noinline and used: the symbols and their DWARF must survive -O2. */
#define KEEP __attribute__((noinline, used))

KEEP int hawk_list_add(int a, long b)
{
	DTRACE_PROBE2(hawk_test, add_called, a, b);
	return a + (int)b;
}

KEEP const char *hawk_list_name(const char *prefix, struct hawk_point *p, unsigned int n)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "%s%d", prefix, p->x + p->y + (int)n);
	DTRACE_PROBE1(hawk_test, named, buf);
	return buf;
}

KEEP static int hawk_list_static(void (*cb)(int), char **argv)
{
	if (cb)
		cb(argv ? 1 : 0);
	return argv != NULL;
}

static void noop(int x)
{
	(void)x;
}

int main(int argc, char **argv)
{
	struct hawk_point p = { 1, 2 };
	DTRACE_PROBE(hawk_other, start);
	int r = hawk_list_add(argc, 2) + (int)strlen(hawk_list_name("p", &p, 3)) +
		hawk_list_static(noop, argv);
	if (argc > 1 && !strcmp(argv[1], "wait")) {
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return r > 1000;
}
