/* workload: deterministic system-call patterns for runtime tests (K calls, exactly). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Every mode issues its system call K times and nothing else of that kind,
 * so a probe counting it sees exactly K (plus nothing from us: we call
 * getppid, nanosleep, ... only where asked). Exit status 0, or 2 on bad
 * usage, or 1 when a call fails. -v prints what was done. */

static int verbose;

static unsigned long num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "workload: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static int fail(const char *call)
{
	fprintf(stderr, "workload: %s: %s\n", call, strerror(errno));
	return 1;
}

static int do_open(const char *path, unsigned long k)
{
	for (unsigned long i = 0; i < k; i++) {
		int fd = open(path, O_RDONLY | O_CREAT, 0644);
		if (fd < 0)
			return fail("open");
		close(fd);
	}
	return 0;
}

static int do_getppid(unsigned long k)
{
	/* syscall(), not getppid(): no libc may cache it. */
	for (unsigned long i = 0; i < k; i++)
		syscall(SYS_getppid);
	return 0;
}

static int do_rw(const char *path, int flags, unsigned long k, unsigned long size, int write_)
{
	char *buf = calloc(1, size ? size : 1);
	int fd = open(path, flags);
	if (!buf || fd < 0)
		return fail(path);
	for (unsigned long i = 0; i < k; i++) {
		ssize_t n = write_ ? write(fd, buf, size) : read(fd, buf, size);
		if (n < 0)
			return fail(write_ ? "write" : "read");
	}
	close(fd);
	free(buf);
	return 0;
}

static int do_nanosleep(unsigned long k, unsigned long ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ul), (long)(ns % 1000000000ul) };
	for (unsigned long i = 0; i < k; i++)
		if (syscall(SYS_nanosleep, &ts, NULL))
			return fail("nanosleep");
	return 0;
}

/* The target of uprobe tests: a real call K times, and its value used so
 * that no optimiser drops it. */
__attribute__((noinline, used)) int workload_marker(int i)
{
	__asm__ volatile("" ::: "memory");
	return i + 1;
}

static int do_uprobe(unsigned long k)
{
	volatile int sum = 0;
	for (unsigned long i = 0; i < k; i++)
		sum += workload_marker((int)i);
	return sum < 0;
}

/* The target of the C-types runtime cases (tests/runtime/ctypes.test
 * declares the same struct in its scripts): every kind of member. */
struct workload_rec {
	int32_t id;
	int16_t arr[4];
	struct {
		uint8_t tag;
		uint64_t big;
	} in;
	unsigned int lo : 3, mid : 10;
	int neg : 5;
	char name[8];
	int32_t grid[2][3];
	struct workload_rec *self;
};

__attribute__((noinline, used)) int workload_struct(const struct workload_rec *r, const int32_t *ints)
{
	__asm__ volatile("" ::: "memory");
	return r->id + ints[0];
}

static int do_struct(unsigned long k)
{
	static struct workload_rec r = {
		.id = 7, .arr = { 1, -2, 3, -4 }, .in = { 9, 0x1122334455667788ull },
		.lo = 5, .mid = 1000, .neg = -3, .name = "hawk", .grid = { { 1, 2, 3 }, { 4, 5, 6 } },
	};
	static const int32_t ints[4] = { 10, 20, 30, 40 };
	r.self = &r;
	volatile int sum = 0;
	for (unsigned long i = 0; i < k; i++)
		sum += workload_struct(&r, ints);
	return sum < 0;
}

/* K times fork + exec /bin/true + wait. */
static int do_exec(unsigned long k)
{
	for (unsigned long i = 0; i < k; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail("fork");
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0)
			return fail("waitpid");
	}
	return 0;
}

static int usage(void)
{
	fputs("usage: workload [-v] MODE ARGS\n"
	      "  open PATH K         open (creating) and close PATH K times\n"
	      "  getppid K           getppid K times\n"
	      "  read K SIZE         read SIZE bytes from /dev/zero K times\n"
	      "  write K SIZE        write SIZE bytes to /dev/null K times\n"
	      "  nanosleep K NS      sleep NS nanoseconds K times\n"
	      "  exec K              fork, exec /bin/true and wait, K times\n"
	      "  sleep NS            one nanosleep (a process to trace with -p)\n"
	      "  uprobe K            call workload_marker() K times\n"
	      "  struct K            call workload_struct(&rec, ints) K times (see ctypes.test)\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int a = 1;
	if (a < argc && !strcmp(argv[a], "-v")) {
		verbose = 1;
		a++;
	}
	if (a >= argc)
		return usage();
	const char *mode = argv[a++];
	int n = argc - a;
	char **v = argv + a;
	int rc;

	if (!strcmp(mode, "open") && n == 2)
		rc = do_open(v[0], num(v[1], "count"));
	else if (!strcmp(mode, "getppid") && n == 1)
		rc = do_getppid(num(v[0], "count"));
	else if (!strcmp(mode, "read") && n == 2)
		rc = do_rw("/dev/zero", O_RDONLY, num(v[0], "count"), num(v[1], "size"), 0);
	else if (!strcmp(mode, "write") && n == 2)
		rc = do_rw("/dev/null", O_WRONLY, num(v[0], "count"), num(v[1], "size"), 1);
	else if (!strcmp(mode, "nanosleep") && n == 2)
		rc = do_nanosleep(num(v[0], "count"), num(v[1], "nanoseconds"));
	else if (!strcmp(mode, "sleep") && n == 1)
		rc = do_nanosleep(1, num(v[0], "nanoseconds"));
	else if (!strcmp(mode, "uprobe") && n == 1)
		rc = do_uprobe(num(v[0], "count"));
	else if (!strcmp(mode, "struct") && n == 1)
		rc = do_struct(num(v[0], "count"));
	else if (!strcmp(mode, "exec") && n == 1)
		rc = do_exec(num(v[0], "count"));
	else
		return usage();
	if (verbose && rc == 0)
		fprintf(stderr, "workload: %s done (pid %d)\n", mode, (int)getpid());
	return rc;
}
