/* probe_fixed: providers whose probes are a fixed list: begin, end, self, software, hardware, interval, profile, iter. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "probes/btf.h"
#include "probes/point.h"
#include "probes/provider.h"

/* bpftrace's tables (probe_matcher.h), default periods included. */
static const struct rt_perf_event sw_events[] = {
	{ "alignment-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "bpf-output", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_BPF_OUTPUT, 1 },
	{ "context-switches", "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-clock", "cpu", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "cpu-migrations", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "dummy", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, 1 },
	{ "emulation-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ "major-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "minor-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "page-faults", "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "task-clock", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct rt_perf_event hw_events[] = {
	{ "backend-stalls", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "branch-instructions", "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ "branch-misses", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ "bus-cycles", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ "cache-misses", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ "cache-references", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ "cpu-cycles", "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "frontend-stalls", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ "instructions", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "ref-cycles", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
	{ NULL, NULL, 0, 0, 0 },
};

const struct rt_perf_event *rt_perf_event_find(enum probe_type t, const char *name)
{
	const struct rt_perf_event *e = t == PROBE_SOFTWARE ? sw_events
				      : t == PROBE_HARDWARE ? hw_events : NULL;
	for (; e && e->name; e++)
		if (!strcmp(e->name, name) || (e->alias && !strcmp(e->alias, name)))
			return e;
	return NULL;
}

/* A two-part entry "name:" whose second part (a count or a rate) is left
 * empty, as bpftrace lists them; the pattern's parts align to the left. */
static bool match_name_colon(const struct rt_match *m, const char *name)
{
	if (m->nparts > 0 && !rt_glob(m->part[0], name, strlen(name)))
		return false;
	return m->nparts < 2 || rt_glob(m->part[1], "", 0);
}

static int list_perf(const struct rt_match *m, struct rt_out *out, const struct rt_perf_event *e)
{
	for (; e->name; e++) {
		if (match_name_colon(m, e->name))
			rt_out_addf(out, NULL, "%s:", e->name);
		if (e->alias && match_name_colon(m, e->alias))
			rt_out_addf(out, NULL, "%s:", e->alias);
	}
	return 0;
}

static int list_software(const struct rt_match *m, struct rt_out *out)
{
	return list_perf(m, out, sw_events);
}

static bool hardware_available(const char **why);

/* Named or not, hardware events are listed only when a PMU can count them. */
static int list_hardware(const struct rt_match *m, struct rt_out *out)
{
	const char *why = NULL;
	if (m->named && !hardware_available(&why)) {
		if (m->verbose)
			diag_plain(m->d, DIAG_NOTE, "hardware: not listed: %s", why);
		return 0;
	}
	return list_perf(m, out, hw_events);
}

/* Virtual machines usually have no PMU: opening cycles then fails with
 * ENOENT (or EOPNOTSUPP), and hardware:* could never attach. */
static bool hardware_available(const char **why)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (errno == EACCES || errno == EPERM)  /* paranoid, not absent */
		return !access("/sys/bus/event_source/devices/cpu", F_OK);
	*why = "this machine has no hardware PMU (perf_event_open of cpu-cycles fails)";
	return false;
}

static const char *const time_units[] = { "hz", "ms", "s", "us", NULL };

static int list_time(const struct rt_match *m, struct rt_out *out)
{
	for (const char *const *u = time_units; *u; u++)
		if (match_name_colon(m, *u))
			rt_out_addf(out, NULL, "%s:", *u);
	return 0;
}

static int list_once(const struct rt_match *m, struct rt_out *out)
{
	rt_out_add(out, "", 0, NULL);
	return 0;
}

static int list_self(const struct rt_match *m, struct rt_out *out)
{
	const char *kind = rt_match_part(m, 0, 2), *sig = rt_match_part(m, 1, 2);
	if (kind && rt_glob(kind, "signal", 6) && rt_glob(sig, "SIGUSR1", 7))
		rt_out_add(out, "signal:SIGUSR1", 14, NULL);
	return 0;
}

/* Iterators are the kernel's struct bpf_iter__NAME context types; the
 * __safe_trusted variants are verifier-only twins (kernel 6.4). */
static int list_iter(const struct rt_match *m, struct rt_out *out)
{
	int err = rt_btf_load(m->named ? m->d : NULL);
	if (err)
		return m->named ? err : 0;
	const char *pat = m->nparts ? m->part[0] : "*";
	for (uint32_t id = 1; id < rt_btf_count(); id++) {
		const struct btf_type *t = rt_btf_type(id);
		if (BTF_INFO_KIND(t->info) != BTF_KIND_STRUCT)
			continue;
		const char *n = rt_btf_str(t->name_off);
		if (strncmp(n, "bpf_iter__", 10))
			continue;
		n += 10;
		size_t len = strlen(n);
		if (len > 14 && !strcmp(n + len - 14, "__safe_trusted"))
			continue;
		if (rt_glob(pat, n, len))
			rt_out_add(out, n, len, NULL);
	}
	return 0;
}

/* -lv iter:NAME: the parameters of the kernel's bpf_iter_NAME after `meta`
 * (the context struct's members are __bpf_md_ptr unions since kernel 5.8). */
static void describe_iter(const struct rt_match *m, const char *entry, void *cookie, FILE *f)
{
	char name[256];
	snprintf(name, sizeof(name), "bpf_iter_%s", entry);
	int64_t id = rt_btf_find(name, BTF_KIND_FUNC);
	if (id > 0)
		rt_btf_print_params((uint32_t)id, 1, f);
}

/* ---- the attach points: parse, listing parts, canonical print ---- */

static void parse_begin(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	pt_need_parts(c, pt, n, 1, 1, pt->ptype == PROBE_BEGIN ? "begin" : "end");
}

static void print_begin(const struct probe_point *pt, FILE *f)
{
	fprintf(f, "%s\n", probetype_name(pt->ptype));
}

static void parse_self(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 3, 3, "self:signal:SIGUSR1"))
		return;
	/* bpftrace lets only SIGUSR1 through: other signals keep their meaning. */
	if (strcmp(parts[1], "signal") || strcmp(parts[2], "SIGUSR1")) {
		pt_err(c, "invalid self attach point, expected self:signal:SIGUSR1");
		return;
	}
	pt->target = parts[1];
	pt->func = parts[2];
}

static unsigned parts_self(const struct probe_point *pt, const char **parts)
{
	parts[0] = pt->target ? pt->target : "*";
	parts[1] = pt->func ? pt->func : "*";
	return 2;
}

static void parse_test(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (pt_need_parts(c, pt, n, 2, 2, pt->ptype == PROBE_TEST ? "test:NAME" : "bench:NAME"))
		pt->func = parts[1];
}

static void parse_perf(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 2, 3, pt->ptype == PROBE_SOFTWARE ? "software:EVENT[:COUNT]"
								: "hardware:EVENT[:COUNT]"))
		return;
	pt->func = parts[1];
	if (n == 3 && parts[2][0]) {
		if (!pt_parse_u64(parts[2], &pt->freq) || pt->freq == 0)
			pt_err(c, "invalid %s count '%s', expected a positive integer", pt->provider, parts[2]);
		pt->has_freq = true;
	}
}

static void print_perf(const struct probe_point *pt, FILE *f)
{
	const char *name = probetype_name(pt->ptype);
	if (pt->has_freq)
		fprintf(f, "%s:%s:%llu\n", name, pt->func ? pt->func : "", (unsigned long long)pt->freq);
	else
		fprintf(f, "%s:%s:\n", name, pt->func ? pt->func : "");
}

static void parse_time(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	pt_rate(c, pt, parts, n);
}

static void print_time(const struct probe_point *pt, FILE *f)
{
	const char *name = probetype_name(pt->ptype);
	if (pt->unit)
		fprintf(f, "%s:%s:%llu\n", name, pt->unit, (unsigned long long)pt->freq);
	else
		fprintf(f, "%s:%llu\n", name, (unsigned long long)pt->freq);
}

static void parse_iter(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 2, 3, "iter:NAME or iter:NAME:PIN"))
		return;
	pt->func = parts[1];
	if (n == 3)
		pt->pin = parts[2];
}

static unsigned parts_iter(const struct probe_point *pt, const char **parts)
{
	parts[0] = pt->func ? pt->func : "*";
	return 1;
}

const struct rt_provider rt_prov_begin = {
	.type = PROBE_BEGIN, .name = "begin", .form = "begin", .max_parts = 0,
	.flags = RT_PROV_WILD, .parse = parse_begin, .print = print_begin, .list = list_once,
	/* run once with BPF_PROG_TEST_RUN, as bpftrace does */
	.expand = RT_EXPAND_ONE, .section = "raw_tp", .attach = RT_ATTACH_NONE,
};

const struct rt_provider rt_prov_end = {
	.type = PROBE_END, .name = "end", .form = "end", .max_parts = 0,
	.flags = RT_PROV_WILD, .parse = parse_begin, .print = print_begin, .list = list_once,
	.expand = RT_EXPAND_ONE, .section = "raw_tp", .attach = RT_ATTACH_NONE,
};

const struct rt_provider rt_prov_self = {
	.type = PROBE_SELF, .name = "self", .form = "self:signal:SIGUSR1", .max_parts = 2,
	.flags = RT_PROV_WILD, .parse = parse_self, .parts = parts_self, .list = list_self,
	/* run by BPF_PROG_TEST_RUN when hawk receives the signal */
	.expand = RT_EXPAND_ONE, .section = "raw_tp", .attach = RT_ATTACH_NONE,
};

const struct rt_provider rt_prov_test = {
	.type = PROBE_TEST, .name = "test", .form = "test:NAME", .parse = parse_test,
};

const struct rt_provider rt_prov_bench = {
	.type = PROBE_BENCH, .name = "bench", .form = "bench:NAME", .parse = parse_test,
};

const struct rt_provider rt_prov_software = {
	.type = PROBE_SOFTWARE, .name = "software", .form = "software:EVENT[:COUNT]",
	.max_parts = 2, .flags = RT_PROV_WILD, .parse = parse_perf, .print = print_perf,
	.list = list_software,
	.expand = RT_EXPAND_ONE, .section = "perf_event", .attach = RT_ATTACH_SOFTWARE,
};

const struct rt_provider rt_prov_hardware = {
	.type = PROBE_HARDWARE, .name = "hardware", .form = "hardware:EVENT[:COUNT]",
	.max_parts = 2, .flags = RT_PROV_WILD, .parse = parse_perf, .print = print_perf,
	.available = hardware_available, .list = list_hardware,
	.expand = RT_EXPAND_ONE, .section = "perf_event", .attach = RT_ATTACH_HARDWARE,
};

const struct rt_provider rt_prov_interval = {
	.type = PROBE_INTERVAL, .name = "interval", .form = "interval:UNIT:N",
	.max_parts = 2, .flags = RT_PROV_WILD, .parse = parse_time, .print = print_time,
	.list = list_time,
	.expand = RT_EXPAND_ONE, .section = "perf_event", .attach = RT_ATTACH_INTERVAL,
};

const struct rt_provider rt_prov_profile = {
	.type = PROBE_PROFILE, .name = "profile", .form = "profile:UNIT:N",
	.max_parts = 2, .flags = RT_PROV_WILD, .parse = parse_time, .print = print_time,
	.list = list_time,
	.expand = RT_EXPAND_ONE, .section = "perf_event", .attach = RT_ATTACH_PROFILE,
};

const struct rt_provider rt_prov_iter = {
	.type = PROBE_ITER, .name = "iter", .form = "iter:NAME[:PIN]", .max_parts = 1,
	.flags = RT_PROV_WILD, .wildcards = true, .parse = parse_iter, .parts = parts_iter,
	.list = list_iter, .describe = describe_iter,
	.expand = RT_EXPAND_CATALOGUE, .args = RT_ARGS_ITER,
	.section = "iter", .section_form = RT_SEC_FUNC, .attach = RT_ATTACH_ITER,
};
