/* The busy target of profile's and the flame graph's cases: main -> busy_outer -> busy_spin
 * spins on the CPU for argv[1] milliseconds, built with frame pointers so that the kernel
 * can unwind its user stack, and with symbols, so that the frames have these names. */
#include <stdlib.h>
#include <time.h>

volatile unsigned long busy_sink;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((noinline)) void busy_spin(long until)
{
	while (now_ms() < until)
		for (int i = 0; i < 10000; i++)
			busy_sink += i;
}

__attribute__((noinline)) void busy_outer(long until)
{
	busy_spin(until);
	busy_sink++;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 500;
	busy_outer(now_ms() + ms);
	return 0;
}
