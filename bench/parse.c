/* bench-parse: median parse time of generated 300- and 3,000-line programs, to show linear scaling. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/arena.h"
#include "common/diag.h"
#include "ast/ast.h"
#include "parser/parse.h"

/* A growable text buffer counting its lines. */
struct text {
	char *s;
	size_t len, cap;
	unsigned lines;
};

static void emit(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			break;
		}
		t->cap = t->cap * 2 + (size_t)n;
		t->s = xrealloc(t->s, t->cap);
	}
	t->lines++;
}

static const char *const sys[] = {
	"read", "write", "openat", "close", "mmap", "ioctl", "futex", "poll",
	"sendto", "recvfrom", "connect", "accept4", "clone", "execve", "nanosleep", "fsync",
};
static const char *const kfn[] = {
	"vfs_read", "vfs_write", "do_sys_openat2", "tcp_sendmsg", "tcp_recvmsg",
	"blk_account_io_start", "submit_bio", "schedule", "do_nanosleep", "ksys_read",
};
#define NSYS (sizeof(sys) / sizeof(sys[0]))
#define NKFN (sizeof(kfn) / sizeof(kfn[0]))

/* One block of probes built from ~20 line templates; `i` varies the names. */
static void emit_block(struct text *t, unsigned i)
{
	const char *s = sys[i % NSYS], *k = kfn[i % NKFN];

	emit(t, "tracepoint:syscalls:sys_enter_%s /pid != %u && comm != \"hawk\"/ {\n", s, 100 + i);
	emit(t, "\t@start_%s_%u[tid] = nsecs;\n", s, i);
	emit(t, "\t@calls_%u[comm, pid] = count();\n", i);
	emit(t, "}\n");
	emit(t, "tracepoint:syscalls:sys_exit_%s /@start_%s_%u[tid]/ {\n", s, s, i);
	emit(t, "\t$us = (nsecs - @start_%s_%u[tid]) / 1000;\n", s, i);
	emit(t, "\t@lat_%s_%u = hist($us);\n", s, i);
	emit(t, "\tif ($us > %u) {\n", 1000 * (i % 7 + 1));
	emit(t, "\t\tprintf(\"%%-16s %%-6d %%8d us ret=%%d\\n\", comm, pid, $us, args->ret);\n");
	emit(t, "\t} else {\n");
	emit(t, "\t\t@fast_%u = lhist($us, 0, %u, 10);\n", i, 100 + i % 50);
	emit(t, "\t}\n");
	emit(t, "\tdelete(@start_%s_%u[tid]);\n", s, i);
	emit(t, "}\n");
	emit(t, "kprobe:%s {\n", k);
	emit(t, "\t$f = (struct file *)arg0;\n");
	emit(t, "\t@bytes_%u[$f->f_path.dentry->d_name.name] = sum(arg2);\n", i);
	emit(t, "\t@stack_%u[kstack(%u)] = count();\n", i, 5 + i % 10);
	emit(t, "}\n");
	emit(t, "interval:s:%u { print(@lat_%s_%u); clear(@fast_%u); }\n", 1 + i % 9, s, i, i);
}

/* A program of at least `want` lines. */
static struct text make_program(unsigned want)
{
	struct text t = { xmalloc(4096), 0, 4096, 0 };
	t.s[0] = '\0';
	emit(&t, "BEGIN { printf(\"Tracing... Hit Ctrl-C to end.\\n\"); @n = 0; }\n");
	for (unsigned i = 0; t.lines < want - 1; i++)
		emit_block(&t, i);
	emit(&t, "END { clear(@n); }\n");
	return t;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median µs of `runs` parses (plus the attach-point pass when `ap`), each
 * with its own arena and diag; returns a negative value if parsing fails. */
static double median_us(const struct text *t, FILE *null, unsigned runs, int ap)
{
	double *us = xcalloc(runs, sizeof(*us));
	double med = -1;
	for (unsigned r = 0; r < runs; r++) {
		struct diag *d = diag_new(null);
		struct arena *a = arena_new();
		uint16_t f = diag_source_add(d, "bench.bt", t->s, t->len);
		double t0 = now_us();
		struct ast *prog = parse_program(a, d, f);
		unsigned errors = prog ? 0 : 1;
		if (prog && ap)
			errors = ap_parse_program(prog, a, d, NULL, 0);
		us[r] = now_us() - t0;
		arena_free(a);
		diag_free(d);
		if (errors)
			goto out;
	}
	qsort(us, runs, sizeof(*us), cmp_double);
	med = us[runs / 2];
out:
	free(us);
	return med;
}

/* Parse once with diagnostics on stderr, so a failing generator line is shown. */
static void show_errors(const struct text *t)
{
	struct diag *d = diag_new(stderr);
	struct arena *a = arena_new();
	struct ast *prog = parse_program(a, d, diag_source_add(d, "bench.bt", t->s, t->len));
	if (prog)
		ap_parse_program(prog, a, d, NULL, 0);
	arena_free(a);
	diag_free(d);
}

int main(int argc, char **argv)
{
	unsigned scale = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1;
	FILE *null = fopen("/dev/null", "w");
	if (!null) {
		perror("bench-parse: /dev/null");
		return 1;
	}
	if (scale == 0)
		scale = 1;

	static const struct { unsigned lines, runs; } sizes[] = { { 300, 2000 }, { 3000, 200 } };
	double per_line[2] = { 0, 0 };
	int status = 0;

	printf("%-12s %8s %12s %12s %14s\n", "program", "bytes", "parse us", "us/line", "+attach us");
	for (size_t i = 0; i < 2; i++) {
		struct text t = make_program(sizes[i].lines);
		unsigned runs = sizes[i].runs * scale;
		median_us(&t, null, runs / 10 + 1, 0);   /* warm the caches and the allocator */
		double parse = median_us(&t, null, runs, 0);
		double full = median_us(&t, null, runs, 1);
		if (parse < 0 || full < 0) {
			fprintf(stderr, "bench-parse: the generated %u-line program does not parse:\n",
				t.lines);
			show_errors(&t);
			status = 1;
		} else {
			per_line[i] = parse / t.lines;
			printf("%5u lines  %8zu %12.1f %12.3f %14.1f\n", t.lines, t.len, parse,
			       per_line[i], full);
		}
		free(t.s);
	}
	if (!status)
		printf("scaling: 3000-line us/line is %.2fx the 300-line figure (1.00 = linear)\n",
		       per_line[1] / per_line[0]);
	printf("target: <= 130 us for 300 lines (bpftrace's recursive-descent parser, PR #5092)\n");
	fclose(null);
	return status;
}
