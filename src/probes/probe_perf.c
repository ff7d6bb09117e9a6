/* probe_perf: software:EVENT[:COUNT] and hardware:EVENT[:COUNT], perf counters sampled every COUNT events. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

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

static int list_perf(const struct rt_match *m, struct rt_out *out, const struct rt_perf_event *e)
{
	for (; e->name; e++) {
		if (rt_match_name_colon(m, e->name))
			rt_out_addf(out, NULL, "%s:", e->name);
		if (e->alias && rt_match_name_colon(m, e->alias))
			rt_out_addf(out, NULL, "%s:", e->alias);
	}
	return 0;
}

static int list_software(const struct rt_match *m, struct rt_out *out)
{
	return list_perf(m, out, sw_events);
}

static bool hardware_available(const char **why);

/* bpftrace's table, listed whether or not a PMU can count them (a probe
 * that cannot attach says why); -lv notes it. */
static int list_hardware(const struct rt_match *m, struct rt_out *out)
{
	const char *why = NULL;
	if (m->verbose && !hardware_available(&why))
		diag_plain(m->d, DIAG_NOTE, "hardware: %s: its probes cannot attach here", why);
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

/* Counting events on one CPU run their programs newest first
 * (perf_swevent_add puts each at the head of the list): attached last probe
 * first, probes on one event run in program order (bpftrace 0.17's
 * software_order case, on faults). The clocks are one hrtimer per event:
 * attached in program order, the first probe's timer fires first (current
 * bpftrace's software_order case, on cpu-clock). */
static bool perf_newest_first(const char *func)
{
	const struct rt_perf_event *e = rt_perf_event_find(PROBE_SOFTWARE, func);
	return !e || e->type != PERF_TYPE_SOFTWARE ||
	       (e->config != PERF_COUNT_SW_CPU_CLOCK && e->config != PERF_COUNT_SW_TASK_CLOCK);
}

const struct rt_provider rt_prov_software = {
	.type = PROBE_SOFTWARE, .name = "software", .form = "software:EVENT[:COUNT]",
	.max_parts = 2, .flags = RT_PROV_WILD | RT_PROV_REVERSE, .parse = parse_perf, .print = print_perf,
	.list = list_software,
	.expand = RT_EXPAND_ONE, .section = "perf_event", .attach = RT_ATTACH_SOFTWARE,
	.newest_first = perf_newest_first,
};

const struct rt_provider rt_prov_hardware = {
	.type = PROBE_HARDWARE, .name = "hardware", .form = "hardware:EVENT[:COUNT]",
	.max_parts = 2, .flags = RT_PROV_WILD | RT_PROV_REVERSE | RT_PROV_STATIC, .parse = parse_perf, .print = print_perf,
	.available = hardware_available, .list = list_hardware,
	.expand = RT_EXPAND_ONE, .section = "perf_event", .attach = RT_ATTACH_HARDWARE,
};
