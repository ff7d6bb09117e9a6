/* attach: perf events, tracepoints, uprobes and test-run probes attached through libbpf; parallel detach. */
#include "runtime/attach.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/arena.h"
#include "probes/fs.h"
#include "probes/provider.h"
#include "probes/tracefs.h"

static void links_add(struct rt_links *l, struct bpf_link *link, bool slow)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct rt_link){ .link = link, .fd = -1, .slow = slow };
}

static void link_close(struct rt_link *l)
{
	if (l->link)
		bpf_link__destroy(l->link);
	else if (l->fd >= 0)
		close(l->fd);
}

/* "cannot attach PROBE: why", at the attach point in the script when the
 * description knows where it is (a kernel without kprobes is bad input at a
 * place, like any other). */
__attribute__((format(printf, 3, 4)))
static void attach_error(const struct rt_attach_ctx *c, const struct desc_probe *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* --dry-run goes on to the next probe: what it could not attach is
	 * reported, the run is not failed for it; so does missing_probes=warn,
	 * and =ignore says nothing. */
	if (c->missing == RT_MISSING_IGNORE && !c->dry_run)
		return;
	bool warn = c->dry_run || c->missing == RT_MISSING_WARN;
	enum diag_level lvl = warn ? DIAG_WARNING : DIAG_ERROR;
	if (p->at.line && warn)
		diag_warning(c->d, p->at, "%s", msg);
	else if (p->at.line)
		diag_error(c->d, p->at, "%s", msg);
	else
		diag_plain(c->d, lvl, "%s", msg);
}

static int perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	attr->size = sizeof(*attr);
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Hands pfd to a new link on prog; closes pfd when that fails. */
static int attach_pfd(const struct rt_attach_ctx *c, const struct desc_probe *p,
		      struct bpf_program *prog, int pfd, bool slow, struct rt_links *out)
{
	struct bpf_link *link = bpf_program__attach_perf_event(prog, pfd);
	if (!link) {
		int e = errno;
		close(pfd);
		/* "failed to attach to tracepoint ...: Permission denied": the kernel
		 * checks the program's highest ctx offset against the record size. */
		if (e == EACCES && p->type == PROBE_TRACEPOINT)
			attach_error(c, p, "cannot attach %s: the program reads past the "
				   "end of the tracepoint's record (internal error)", p->name);
		else
			attach_error(c, p, "cannot attach %s: %s", p->name, strerror(e));
		return -e;
	}
	links_add(out, link, slow);
	return 0;
}

/* The online CPUs from /sys/devices/system/cpu/online ("0-3,5"); returns
 * how many were stored in cpus (at most max), or a negative errno. */
static int online_cpus(int *cpus, int max)
{
	size_t len;
	char *s = rt_fs_read(AT_FDCWD, "/sys/devices/system/cpu/online", &len);
	if (!s)
		return -errno;
	int n = 0;
	for (char *p = s; *p && *p != '\n';) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long i = a; i <= b && n < max; i++)
			cpus[n++] = (int)i;
		p = *end == ',' ? end + 1 : end;
	}
	free(s);
	return n;
}

#define MAX_CPUS 1024

static int open_failed(const struct rt_attach_ctx *c, const struct desc_probe *p, int e)
{
	if (e == ENOENT || e == EOPNOTSUPP)
		attach_error(c, p, "cannot attach %s: this machine has no such "
			   "perf event (%s)", p->name, strerror(e));
	else
		attach_error(c, p, "cannot attach %s: perf_event_open: %s", p->name,
			   strerror(e));
	return -e;
}

static int attach_cpus(const struct rt_attach_ctx *c, const struct desc_probe *p,
		       struct bpf_program *prog, struct perf_event_attr *attr, bool all,
		       struct rt_links *out)
{
	static int cpus[MAX_CPUS];
	int n = 1;
	cpus[0] = 0;
	if (all && (n = online_cpus(cpus, MAX_CPUS)) <= 0) {
		attach_error(c, p, "cannot attach %s: cannot read the online CPUs: %s",
			   p->name, strerror(n < 0 ? -n : ENOENT));
		return n < 0 ? n : -ENOENT;
	}
	/* -p or -c: the per-CPU events (profile, software, hardware) count that
	 * process alone, and the children it starts (inherit), as bpftrace
	 * does; interval keeps ticking for everyone. */
	pid_t pid = all && c->pid ? c->pid : -1;
	if (pid > 0)
		attr->inherit = 1;
	for (int i = 0; i < n; i++) {
		int pfd = perf_event_open(attr, pid, cpus[i]);
		if (pfd < 0)
			return open_failed(c, p, errno);
		int err = attach_pfd(c, p, prog, pfd, false, out);
		if (err)
			return err;
	}
	return 0;
}

int rt_attach_none(const struct rt_attach_ctx *c, const struct desc_probe *p,
		   struct bpf_program *prog, struct rt_links *out)
{
	return 0;
}

/* tracepoint:CAT:EVENT: perf_event_open(TRACEPOINT, id) on CPU 0 for every
 * task, as libbpf does, but with the id read from the tracefs that
 * rt_tracefs found or mounted (libbpf 1.1.2 only looks at fixed paths). */
int rt_attach_tracepoint(const struct rt_attach_ctx *c, const struct desc_probe *p,
			 struct bpf_program *prog, struct rt_links *out)
{
	int events = rt_tracefs_events(c->d);
	if (events < 0)
		return events;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/id", p->target, p->func);
	size_t len;
	char *s = rt_fs_read(events, path, &len);
	if (!s) {
		int e = errno;
		if (e == ENOENT)
			attach_error(c, p, "cannot attach %s: no such tracepoint "
				   "(%s/events/%s/%s does not exist)", p->name, rt_tracefs_path(),
				   p->target, p->func);
		else
			attach_error(c, p, "cannot attach %s: cannot read %s/events/%s: %s",
				   p->name, rt_tracefs_path(), path, strerror(e));
		return -e;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.config = strtoull(s, NULL, 10),
		.sample_period = 1,
		.wakeup_events = 1,
	};
	free(s);
	int pfd = perf_event_open(&attr, -1, 0);
	if (pfd < 0)
		return open_failed(c, p, errno);
	return attach_pfd(c, p, prog, pfd, true, out);
}

/* rawtracepoint:EVENT: a RAW_TRACEPOINT program, or a TRACING one (tp_btf)
 * whose target libbpf already resolved from its section name at load. */
int rt_attach_rawtracepoint(const struct rt_attach_ctx *c, const struct desc_probe *p,
			    struct bpf_program *prog, struct rt_links *out)
{
	struct bpf_link *link = bpf_program__type(prog) == BPF_PROG_TYPE_TRACING
				? bpf_program__attach_trace(prog)
				: bpf_program__attach_raw_tracepoint(prog, p->func);
	if (!link) {
		int e = errno;
		attach_error(c, p, "cannot attach %s: %s", p->name,
			   e == ENOENT ? "no such raw tracepoint" : strerror(e));
		return -e;
	}
	links_add(out, link, false);
	return 0;
}

/* A profile/interval rate as a perf attr: hz is a frequency; s, ms, us and
 * ns (or no unit) a period of cpu-clock nanoseconds. */
static int time_attr(const struct rt_attach_ctx *c, const struct desc_probe *p,
		     struct perf_event_attr *attr)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "s", 1000000000ull }, { "ms", 1000000ull }, { "us", 1000ull }, { "ns", 1 },
		{ "", 1 },
	};
	const char *u = p->unit ? p->unit : "";
	*attr = (struct perf_event_attr){
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
	};
	if (p->freq == 0) {
		attach_error(c, p, "cannot attach %s: the rate must be above 0", p->name);
		return -EINVAL;
	}
	if (!strcmp(u, "hz")) {
		if (p->type == PROBE_INTERVAL) {
			attr->sample_period = 1000000000ull / p->freq;
		} else {
			attr->freq = 1;
			attr->sample_freq = p->freq;
		}
		return attr->freq || attr->sample_period ? 0 : -EINVAL;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(u, units[i].unit)) {
			attr->sample_period = p->freq * units[i].ns;
			return 0;
		}
	}
	attach_error(c, p, "cannot attach %s: unknown unit '%s' (expected hz, s, ms, "
		   "us or ns)", p->name, u);
	return -EINVAL;
}

/* interval: one cpu-clock event on CPU 0, as bpftrace does. */
int rt_attach_interval(const struct rt_attach_ctx *c, const struct desc_probe *p,
		       struct bpf_program *prog, struct rt_links *out)
{
	struct perf_event_attr attr;
	int err = time_attr(c, p, &attr);
	return err ? err : attach_cpus(c, p, prog, &attr, false, out);
}

int rt_attach_profile(const struct rt_attach_ctx *c, const struct desc_probe *p,
		      struct bpf_program *prog, struct rt_links *out)
{
	struct perf_event_attr attr;
	int err = time_attr(c, p, &attr);
	return err ? err : attach_cpus(c, p, prog, &attr, true, out);
}

/* software:EVENT[:COUNT] and hardware:EVENT[:COUNT]: the catalogue's perf
 * type and config, sampled every COUNT (default: bpftrace's) on every CPU. */
static int attach_counter(const struct rt_attach_ctx *c, const struct desc_probe *p,
			  struct bpf_program *prog, struct rt_links *out)
{
	const struct rt_perf_event *e = rt_perf_event_find(p->type, p->func ? p->func : "");
	if (!e) {
		attach_error(c, p, "cannot attach %s: unknown %s event '%s'", p->name,
			   probetype_name(p->type), p->func ? p->func : "");
		return -ENOENT;
	}
	/* The record knows whether this machine can count with it at all:
	 * a VM without a PMU gets that sentence, not perf_event_open's ENOENT. */
	const struct rt_provider *k = rt_provider_of(p->type);
	const char *why = NULL;
	if (k && k->available && !k->available(&why)) {
		attach_error(c, p, "cannot attach %s: %s", p->name, why ? why : "not available here");
		return -EOPNOTSUPP;
	}
	struct perf_event_attr attr = {
		.type = e->type,
		.config = e->config,
		.sample_period = p->freq ? p->freq : e->period,
	};
	return attach_cpus(c, p, prog, &attr, true, out);
}

int rt_attach_software(const struct rt_attach_ctx *c, const struct desc_probe *p,
		       struct bpf_program *prog, struct rt_links *out)
{
	return attach_counter(c, p, prog, out);
}

int rt_attach_hardware(const struct rt_attach_ctx *c, const struct desc_probe *p,
		       struct bpf_program *prog, struct rt_links *out)
{
	return attach_counter(c, p, prog, out);
}

/* uprobe, uretprobe and usdt: the expansion resolved the function, address
 * or probe site to a file offset in p->target (p->offset); a usdt
 * semaphore is the kernel's reference counter (ref_ctr_offset), which it
 * raises in every process that maps the object, now and later. */
/* BPF_LINK_CREATE for uprobe_multi by hand (libbpf 1.1 predates it): union
 * bpf_attr's link_create, as include/uapi/linux/bpf.h lays it out. */
struct uprobe_multi_attr {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, mflags, pid;
	uint8_t zero[60];      /* the kernel checks that what it does not know is zero */
};
#define UPROBE_MULTI_RETURN 1  /* BPF_F_UPROBE_MULTI_RETURN */

static int multi_link(const struct rt_attach_ctx *c, const struct desc_probe *p,
		      struct bpf_program *prog, const uint64_t *offs, const uint64_t *cookies,
		      uint32_t n)
{
	struct uprobe_multi_attr a = {
		.prog_fd = (uint32_t)bpf_program__fd(prog), .attach_type = RT_ATTACH_UPROBE_MULTI,
		.path = (uint64_t)(uintptr_t)p->target, .offsets = (uint64_t)(uintptr_t)offs,
		.cookies = (uint64_t)(uintptr_t)cookies, .cnt = n,
		.mflags = p->type == PROBE_URETPROBE ? UPROBE_MULTI_RETURN : 0,
		.pid = c->pid > 0 ? (uint32_t)c->pid : 0,
	};
	int fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

/* Functions [lo, hi) of the group in as few links as the kernel allows:
 * one link fails whole when one function cannot be probed (ENOTSUPP, 524,
 * for an instruction uprobes cannot single-step), so a refused range is
 * halved until the refused functions stand alone; each of those is one
 * warning and the run goes on without it. Returns how many were refused,
 * or a negative errno when the first refusal was not about a function. */
static int multi_range(const struct rt_attach_ctx *c, const struct desc_probe *p,
		       struct bpf_program *prog, const uint64_t *offs, const uint64_t *cookies,
		       uint32_t lo, uint32_t hi, struct rt_links *out)
{
	int fd = multi_link(c, p, prog, offs + lo, cookies + lo, hi - lo);
	if (fd >= 0) {
		links_add(out, NULL, true);
		out->v[out->n - 1].fd = fd;
		return 0;
	}
	if (fd != -524 && fd != -EINVAL && fd != -EILSEQ)
		return fd;
	if (hi - lo == 1) {
		const struct desc_probe *q = p + lo;
		if (q->at.line)
			diag_warning(c->d, q->at, "cannot attach %s: the kernel cannot probe this function "
				     "(%s); going on without it", q->name, fd == -524 ? "not supported" : strerror(-fd));
		else
			diag_plain(c->d, DIAG_WARNING, "cannot attach %s: the kernel cannot probe this function",
				   q->name);
		return 1;
	}
	uint32_t mid = lo + (hi - lo) / 2;
	int a = multi_range(c, p, prog, offs, cookies, lo, mid, out);
	if (a < 0)
		return a;
	int b = multi_range(c, p, prog, offs, cookies, mid, hi, out);
	return b < 0 ? b : a + b;
}

/* A wildcard's functions in one binary: one link, each function's index in
 * the group its cookie (the program's `func` and `probe` read it). */
static int attach_uprobe_multi(const struct rt_attach_ctx *c, const struct desc_probe *p,
			       struct bpf_program *prog, struct rt_links *out)
{
	uint32_t n = p->multi_n;
	uint64_t *offs = xcalloc(n, sizeof(*offs)), *cookies = xcalloc(n, sizeof(*cookies));
	for (uint32_t k = 0; k < n; k++) {
		offs[k] = p[k].offset;
		cookies[k] = k;
	}
	int r = multi_range(c, p, prog, offs, cookies, 0, n, out);
	free(offs);
	free(cookies);
	if (r < 0) {
		attach_error(c, p, "cannot attach %s and %u more functions of %s (one uprobe_multi "
			   "link): %s", p->name, n - 1, p->target, strerror(-r));
		return r;
	}
	if ((uint32_t)r == n) {
		attach_error(c, p, "cannot attach %s: the kernel can probe none of its %u functions",
			   p->name, n);
		return -EINVAL;
	}
	if (c->skipped)
		*c->skipped += (unsigned)r;
	return 0;
}

int rt_attach_uprobe(const struct rt_attach_ctx *c, const struct desc_probe *p,
		     struct bpf_program *prog, struct rt_links *out)
{
	if (p->multi_n > 1)
		return attach_uprobe_multi(c, p, prog, out);
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = p->type == PROBE_URETPROBE,
		    .ref_ctr_offset = (size_t)p->ref_ctr);
	/* A description made elsewhere (no file offset) names the function:
	 * libbpf resolves it in the ELF. */
	if (!p->offset && p->func && *p->func && p->type != PROBE_USDT && strncmp(p->func, "0x", 2))
		opts.func_name = p->func;   /* "0x0": an address (offset 0 of a flat binary), no name */
	struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, c->pid ? c->pid : -1,
								p->target, (size_t)p->offset, &opts);
	if (!link) {
		int e = errno;
		if (e == ENOENT)
			attach_error(c, p, "cannot attach %s: %s does not exist", p->name, p->target);
		else if (e == EINVAL && p->ref_ctr)
			attach_error(c, p, "cannot attach %s: the kernel refused the semaphore at file "
				   "offset 0x%llx (%s)", p->name, (unsigned long long)p->ref_ctr, strerror(e));
		else if (e == EINVAL)
			attach_error(c, p, "cannot attach %s: the kernel refused file offset 0x%llx of %s "
				   "(%s)", p->name, (unsigned long long)p->offset, p->target, strerror(e));
		else if (e == ESRCH)
			attach_error(c, p, "cannot attach %s: no process %d", p->name, (int)c->pid);
		else
			attach_error(c, p, "cannot attach %s: %s", p->name, strerror(e));
		return -e;
	}
	links_add(out, link, true);
	return 0;
}

/* The threads of process pid (/proc/PID/task), at most max; the process
 * itself when they cannot be read. */
static int process_tids(pid_t pid, int *tids, int max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) && n < max;)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			tids[n++] = atoi(e->d_name);
	if (d)
		closedir(d);
	if (!n)
		tids[n++] = (int)pid;
	return n;
}

int rt_breakpoint_open(const struct desc_probe *p, uint64_t addr, pid_t pid, int cpu)
{
	unsigned type = 0;
	for (const char *m = p->mode ? p->mode : ""; *m; m++)
		type |= *m == 'r' ? HW_BREAKPOINT_R : *m == 'w' ? HW_BREAKPOINT_W : HW_BREAKPOINT_X;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.bp_type = type,
		.bp_addr = addr,
		/* an execution breakpoint covers one instruction: the kernel wants
		 * sizeof(long) (perf_event_open(2)) */
		.bp_len = (type & HW_BREAKPOINT_X) ? sizeof(long) : p->freq,
		.sample_period = 1,
		.wakeup_events = 1,
		.inherit = 1,   /* threads the process starts later are watched too */
	};
	int fd = perf_event_open(&attr, pid, cpu);
	return fd < 0 ? -errno : fd;
}

/* watchpoint:ADDR:LEN:MODE: a hardware breakpoint perf event. On a user
 * address it watches the -p/-c process; without one, a kernel address on
 * every CPU. x86 has four debug registers per thread: the fifth watch is
 * ENOSPC, which bpftrace words as below. */
int rt_attach_watchpoint(const struct rt_attach_ctx *c, const struct desc_probe *p,
			 struct bpf_program *prog, struct rt_links *out)
{
	static int cpus[MAX_CPUS];
	int n = 1;
	cpus[0] = -1;
	if (!c->pid && (n = online_cpus(cpus, MAX_CPUS)) <= 0) {
		attach_error(c, p, "cannot attach %s: cannot read the online CPUs: %s",
			   p->name, strerror(n < 0 ? -n : ENOENT));
		return n < 0 ? n : -ENOENT;
	}
	/* A process: one event per thread it has now (a breakpoint is a
	 * thread's debug register), inherited by the ones it starts. */
	static int tids[MAX_CPUS];
	if (c->pid)
		n = process_tids(c->pid, tids, MAX_CPUS);
	for (int i = 0; i < n; i++) {
		int pfd = c->pid ? rt_breakpoint_open(p, p->addr, tids[i], -1)
				 : rt_breakpoint_open(p, p->addr, -1, cpus[i]);
		if (pfd == -ENOSPC) {
			attach_error(c, p, "cannot attach %s: You are out of watchpoint registers", p->name);
			return pfd;
		}
		if (pfd < 0) {
			attach_error(c, p, "cannot attach %s: the kernel refused this breakpoint "
				   "(perf_event_open: %s)", p->name, strerror(-pfd));
			return pfd;
		}
		int err = attach_pfd(c, p, prog, pfd, false, out);
		if (err)
			return err;
	}
	return 0;
}

bool rt_have_kprobes(void)
{
	return access("/sys/bus/event_source/devices/kprobe", F_OK) == 0;
}

/* kprobe:FUNC[+OFF], kretprobe:FUNC. CONFIG_KPROBES is off on the kernels
 * hawk is tested on: libbpf then fails with "failed to add legacy kprobe
 * event ...: No such file or directory", which says nothing useful. */
int rt_attach_kprobe(const struct rt_attach_ctx *c, const struct desc_probe *p,
		     struct bpf_program *prog, struct rt_links *out)
{
	if (!rt_have_kprobes()) {
		attach_error(c, p, "cannot attach %s: this kernel has no kprobes "
			   "(no /sys/bus/event_source/devices/kprobe; CONFIG_KPROBES is off); "
			   "tracepoint:, rawtracepoint: or uprobe: probes may serve instead", p->name);
		return -EOPNOTSUPP;
	}
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = p->type == PROBE_KRETPROBE,
		    .offset = (size_t)p->offset);
	struct bpf_link *link = bpf_program__attach_kprobe_opts(prog, p->func, &opts);
	if (!link) {
		int e = errno;
		attach_error(c, p, "cannot attach %s: %s", p->name,
			   e == ENOENT ? "no such kernel function" : strerror(e));
		return -e;
	}
	links_add(out, link, false);
	return 0;
}

int rt_attach_fentry(const struct rt_attach_ctx *c, const struct desc_probe *p,
		     struct bpf_program *prog, struct rt_links *out)
{
	struct bpf_link *link = bpf_program__attach_trace(prog);
	if (!link) {
		int e = errno;
		attach_error(c, p, "cannot attach %s: %s", p->name, strerror(e));
		return -e;
	}
	links_add(out, link, false);
	return 0;
}

/* iter:NAME: an iterator link; nothing runs until it is read. */
int rt_attach_iter(const struct rt_attach_ctx *c, const struct desc_probe *p,
		   struct bpf_program *prog, struct rt_links *out)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	if (!link) {
		int e = errno;
		attach_error(c, p, "cannot attach %s: %s", p->name,
			   e == ENOENT || e == EINVAL ? "this kernel has no such iterator" : strerror(e));
		return -e;
	}
	links_add(out, link, false);
	out->v[out->n - 1].iter = true;
	return 0;
}

int rt_links_run_iters(const struct rt_links *l, struct diag *d)
{
	int walked = 0;
	char buf[4096];
	for (unsigned i = 0; i < l->n; i++) {
		if (!l->v[i].iter)
			continue;
		int fd = bpf_iter_create(bpf_link__fd(l->v[i].link));
		if (fd < 0) {
			int e = errno;
			diag_plain(d, DIAG_ERROR, "cannot start the iterator: %s", strerror(e));
			return -e;
		}
		/* The programs print through the ring buffer, not the seq_file:
		 * what read() returns is empty; it ends when the walk does. */
		ssize_t n;
		while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
			;
		int e = n < 0 ? errno : 0;
		close(fd);
		if (e) {
			diag_plain(d, DIAG_ERROR, "iterator failed: %s", strerror(e));
			return -e;
		}
		walked++;
	}
	return walked;
}

/* Until every probe_*.c sets .attach, the mechanism of each type is here.
 * TEMPORARY: delete this function once the providers are wired. */
int rt_probe_attach(const struct rt_attach_ctx *c, const struct desc_probe *p,
		    struct bpf_program *prog, struct rt_links *out)
{
	/* The probe type's record names its mechanism. */
	static rt_attach_fn *const mech[RT_ATTACH__COUNT] = {
		[RT_ATTACH_NONE] = rt_attach_none,
		[RT_ATTACH_TRACEPOINT] = rt_attach_tracepoint,
		[RT_ATTACH_RAWTRACEPOINT] = rt_attach_rawtracepoint,
		[RT_ATTACH_INTERVAL] = rt_attach_interval,
		[RT_ATTACH_PROFILE] = rt_attach_profile,
		[RT_ATTACH_SOFTWARE] = rt_attach_software,
		[RT_ATTACH_HARDWARE] = rt_attach_hardware,
		[RT_ATTACH_UPROBE] = rt_attach_uprobe,
		[RT_ATTACH_KPROBE] = rt_attach_kprobe,
		[RT_ATTACH_FENTRY] = rt_attach_fentry,
		[RT_ATTACH_ITER] = rt_attach_iter,
		[RT_ATTACH_WATCHPOINT] = rt_attach_watchpoint,
	};
	const struct rt_provider *pv = rt_provider_of(p->type);
	rt_attach_fn *fn = pv ? mech[pv->attach] : NULL;
	/* syscall tracepoints served by one program on the raw syscall
	 * tracepoint (tp_btf; cg_sysdisp.c): one link for all of them */
	if (p->sysdisp == DESC_SYSDISP_LEAD)
		fn = rt_attach_rawtracepoint;
	if (!fn) {
		attach_error(c, p, "cannot attach %s: %s probes are not supported yet",
			   p->name, probetype_name(p->type));
		return -EOPNOTSUPP;
	}
	return fn(c, p, prog, out);
}

/* A slice of the slow links, destroyed by one thread. */
struct detach_job {
	struct rt_link *v;
	unsigned n;
};

static void *detach_thread(void *arg)
{
	struct detach_job *j = arg;
	for (unsigned i = 0; i < j->n; i++)
		link_close(&j->v[i]);
	return NULL;
}

/* Closing a tracepoint or uprobe perf event waits for RCU grace periods in
 * the kernel: ~75 ms for a tracepoint, ~120 ms for a uprobe (kernel 6.18).
 * Part of it is serialised by the kernel's event_mutex, so threads overlap
 * only the rest: 40 tracepoints take 2.96 s on one thread, 1.4-1.7 s on 2
 * to 64 threads alike. More threads than this gain nothing. */
#define DETACH_THREADS 16

void rt_links_destroy(struct rt_links *l)
{
	unsigned nslow = 0;
	/* Fast links first, inline; gather the slow ones at the front. */
	for (unsigned i = 0; i < l->n; i++) {
		if (l->v[i].slow)
			l->v[nslow++] = l->v[i];
		else
			link_close(&l->v[i]);
	}
	unsigned nthreads = nslow < DETACH_THREADS ? nslow : DETACH_THREADS;
	if (nthreads <= 1) {
		for (unsigned i = 0; i < nslow; i++)
			link_close(&l->v[i]);
	} else {
		pthread_t th[DETACH_THREADS];
		struct detach_job jobs[DETACH_THREADS];
		bool started[DETACH_THREADS];
		unsigned per = nslow / nthreads, extra = nslow % nthreads, at = 0;
		for (unsigned t = 0; t < nthreads; t++) {
			jobs[t] = (struct detach_job){ l->v + at, per + (t < extra) };
			at += jobs[t].n;
			started[t] = pthread_create(&th[t], NULL, detach_thread, &jobs[t]) == 0;
			if (!started[t])
				detach_thread(&jobs[t]);
		}
		for (unsigned t = 0; t < nthreads; t++)
			if (started[t])
				pthread_join(th[t], NULL);
	}
	free(l->v);
	*l = (struct rt_links){ 0 };
}

static int link_fd(const struct rt_link *l)
{
	return l->link ? bpf_link__fd(l->link) : l->fd;
}

static bool fd_kept(int fd, const struct rt_links *l, int also)
{
	if (fd == also)
		return true;
	for (unsigned i = 0; i < l->n; i++)
		if (link_fd(&l->v[i]) == fd)
			return true;
	return false;
}

static int no_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* In the detached process: every fd but the links' and the go pipe closed
 * (a pipe the user reads hawk's output from must see EOF when hawk exits,
 * not when the kernel is done), then, once hawk has closed its copies of
 * the links, the slow detach. Never returns. */
static void detacher(struct rt_links *l, int go)
{
	libbpf_set_print(no_print);
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	DIR *dir = opendir("/proc/self/fd");
	if (dir) {
		int fds[4096], n = 0, self = dirfd(dir);
		struct dirent *e;
		while ((e = readdir(dir)) && n < 4096) {
			int fd = atoi(e->d_name);
			if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd != self && !fd_kept(fd, l, go))
				fds[n++] = fd;
		}
		closedir(dir);
		for (int i = 0; i < n; i++)
			close(fds[i]);
	} else {
		close(0), close(1), close(2);
	}
	char b;
	while (read(go, &b, 1) > 0 || errno == EINTR)
		;
	rt_links_destroy(l);
	_exit(0);
}

void rt_links_release(struct rt_links *l)
{
	unsigned nslow = 0;
	for (unsigned i = 0; i < l->n; i++) {
		if (l->v[i].slow)
			l->v[nslow++] = l->v[i];
		else
			link_close(&l->v[i]);
	}
	l->n = nslow;
	int go[2];
	if (!nslow || pipe2(go, O_CLOEXEC)) {
		rt_links_destroy(l);
		return;
	}
	fflush(NULL);
	pid_t mid = fork();
	if (mid == 0) {
		/* The middle process exits at once, so the detacher is nobody's
		 * child here (no zombie in a long-lived caller, no SIGCHLD). */
		close(go[1]);
		if (fork() == 0)
			detacher(l, go[0]);
		_exit(0);
	}
	close(go[0]);
	if (mid < 0) {
		close(go[1]);
		rt_links_destroy(l);
		return;
	}
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Our copies go first (fast: the detacher still holds each link), then
	 * the pipe's EOF lets the detacher close the last references. Had the
	 * detacher been first, ours would be the last close, and slow. */
	for (unsigned i = 0; i < l->n; i++)
		link_close(&l->v[i]);
	close(go[1]);
	free(l->v);
	*l = (struct rt_links){ 0 };
}
