/* probe_timer: interval and profile, cpu-clock perf events at a rate or a period. */
#include <stdio.h>

#include "probes/point.h"
#include "probes/provider.h"

static const char *const time_units[] = { "hz", "ms", "s", "us", NULL };

static int list_time(const struct rt_match *m, struct rt_out *out)
{
	for (const char *const *u = time_units; *u; u++)
		if (rt_match_name_colon(m, *u))
			rt_out_addf(out, NULL, "%s:", *u);
	return 0;
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
