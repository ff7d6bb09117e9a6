/* probe_special: begin and end (run once by hawk), self:signal:SIGUSR1, test and bench. */
#include <string.h>

#include "probes/point.h"
#include "probes/provider.h"

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

/* timed under --bench by BPF_PROG_TEST_RUN with repeats, which raw_tp
 * programs refuse and XDP programs take (bpftrace makes them XDP too) */
const struct rt_provider rt_prov_bench = {
	.type = PROBE_BENCH, .name = "bench", .form = "bench:NAME", .parse = parse_test,
	.expand = RT_EXPAND_ONE, .section = "xdp", .attach = RT_ATTACH_NONE,
};
