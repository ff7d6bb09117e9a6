/* getppid-loop: calls getppid() in a tight or paced loop and reports ns per call (bench/run.sh's workload). */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 64, SLICES = 400, MAX_CPUS = 64 };

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: getppid-loop -n CALLS        measure: ns per call\n"
		"       getppid-loop -t SECONDS [-r RATE]  generate: for SECONDS, at RATE calls/s (default flat out)\n"
		"measure prints: calls=N ns_per_call=MEAN ns_per_call_med=M cpuK_med=...\n"
		"  The run is cut into %d slices, each pinned in turn to one of the allowed CPUs (so a\n"
		"  tracer that costs more on one CPU is charged evenly); cpuK_med is the median ns per\n"
		"  call of CPU K's slices, deaf to the slices that other work preempted, and M their mean.\n"
		"generate prints: calls=N ns=ELAPSED rate=CALLS_PER_SECOND\n"
		"       getppid-loop -x CMD [ARGS...]   run CMD (output to /dev/null), print\n"
		"  wall_ns=SPAWN_TO_REAP maxrss_kib=PEAK status=EXIT\n", SLICES);
	exit(2);
}

static double number(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0)
		usage();
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void calls_n(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		getppid();
}

/* -t [-r]: getppid() for `limit_ns`, paced at `rate` per second if nonzero. Pacing checks the
 * clock every BATCH calls and spins until the schedule catches up: a sleep would hand the
 * CPU to the tracer's reader and change what is measured. */
static int generate(uint64_t limit_ns, double rate)
{
	double ns_per_call = rate > 0 ? 1e9 / rate : 0;
	uint64_t start = now_ns(), t = start, done = 0;

	for (;;) {
		calls_n(BATCH);
		done += BATCH;
		t = now_ns();
		if (t - start >= limit_ns)
			break;
		if (ns_per_call > 0) {
			uint64_t due = start + (uint64_t)((double)done * ns_per_call);
			while (t < due)
				t = now_ns();
		}
	}
	uint64_t elapsed = t - start;
	printf("calls=%llu ns=%llu rate=%.0f\n", (unsigned long long)done,
	       (unsigned long long)elapsed, (double)done * 1e9 / (double)(elapsed ? elapsed : 1));
	return 0;
}

/* -n: `calls` calls in SLICES slices, slice i pinned to the i-th allowed CPU round robin. */
static int measure(uint64_t calls)
{
	cpu_set_t allowed;
	int cpus[MAX_CPUS], ncpu = 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		for (int c = 0; c < CPU_SETSIZE && ncpu < MAX_CPUS; c++)
			if (CPU_ISSET(c, &allowed))
				cpus[ncpu++] = c;

	static double slice_ns[MAX_CPUS][SLICES];
	unsigned nslice[MAX_CPUS] = { 0 };
	uint64_t per_slice = calls / SLICES ? calls / SLICES : 1, done = 0, total_ns = 0;

	for (unsigned i = 0; done < calls; i++) {
		int k = ncpu > 1 ? (int)(i % (unsigned)ncpu) : 0;
		if (ncpu > 1) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(cpus[k], &one);
			sched_setaffinity(0, sizeof(one), &one);   /* moves us before returning */
		}
		uint64_t n = calls - done < per_slice ? calls - done : per_slice;
		calls_n(16);   /* warm the new CPU's caches; not counted */
		uint64_t t0 = now_ns();
		calls_n(n);
		uint64_t dt = now_ns() - t0;
		done += n;
		total_ns += dt;
		if (nslice[k] < SLICES)
			slice_ns[k][nslice[k]++] = (double)dt / (double)n;
	}

	double sum_med = 0;
	int used = 0;
	char per_cpu[MAX_CPUS * 24] = "";
	for (int k = 0; k < (ncpu ? ncpu : 1); k++) {
		if (!nslice[k])
			continue;
		qsort(slice_ns[k], nslice[k], sizeof(double), cmp_double);
		double med = slice_ns[k][nslice[k] / 2];
		sum_med += med;
		used++;
		size_t len = strlen(per_cpu);
		snprintf(per_cpu + len, sizeof(per_cpu) - len, " cpu%d_med=%.2f", ncpu ? cpus[k] : 0, med);
	}
	printf("calls=%llu ns_per_call=%.2f ns_per_call_med=%.2f%s\n", (unsigned long long)done,
	       (double)total_ns / (double)done, sum_med / used, per_cpu);
	return 0;
}

/* -x: spawn to reap of one command, from this small process. A peak RSS read by
 * Python's wait4 included Python's own (~17 MiB): the kernel keeps the larger of a
 * process's peaks before and after exec, and the child of fork or vfork starts with the
 * parent's pages. */
static int spawn_reap(char **argv)
{
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return perror("wait4"), 1;
	printf("wall_ns=%llu maxrss_kib=%ld status=%d\n", (unsigned long long)(now_ns() - t0),
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "-x"))
		return spawn_reap(argv + 2);
	uint64_t calls = 0, limit_ns = 0;
	double rate = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:t:r:")) != -1) {
		switch (opt) {
		case 'n': calls = (uint64_t)number(optarg); break;
		case 't': limit_ns = (uint64_t)(number(optarg) * 1e9); break;
		case 'r': rate = number(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || (!calls == !limit_ns) || (rate && !limit_ns))
		usage();
	return calls ? measure(calls) : generate(limit_ns, rate);
}
