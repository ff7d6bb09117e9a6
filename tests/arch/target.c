/* target: the user-space probe target of tests/arch, built for each machine (arm64 by the
 * cross compiler): a function to uprobe and USDT sites whose operands the compiler writes in
 * that machine's syntax (arm64: "-8@x0 -4@x1 -8@[x2] -4@[x2, 8]", "-4@5 -4@-3"). */
#include <sys/sdt.h>

struct pair {
	long a;
	int b;
};

struct pair arch_pair = { 3, 4 };

__attribute__((noinline)) int arch_fn(long x, int y, struct pair *p)
{
	DTRACE_PROBE4(hawk, ops, x, y, p->a, p->b);
	DTRACE_PROBE2(hawk, consts, 5, -3);
	return (int)x + y;
}

int main(int argc, char **argv)
{
	(void)argv;
	return arch_fn(argc, argc * 2, &arch_pair);
}
