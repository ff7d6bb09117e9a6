/* probe_rawtp: rawtracepoint:[MODULE:]EVENT, every tracepoint the kernel's BTF describes. */
#include <string.h>

#include "probes/btf.h"
#include "probes/point.h"
#include "probes/provider.h"

/* Each tracepoint has a __traceiter_NAME function (kernel 5.10) and, since
 * 6.4, a __probestub_NAME with the same prototype: (void *__data, args...). */
static const char *const stub_prefix[] = { "__probestub_", "__traceiter_" };

/* Tracing programs see at most MAX_BPF_FUNC_ARGS (12) arguments. */
#define MAX_ARGS 12

static int list_rawtp(const struct rt_match *m, struct rt_out *out)
{
	int err = rt_btf_load(m->named ? m->d : NULL);
	if (err)
		return m->named ? err : 0;
	const char *mod = rt_match_part(m, 0, 2), *ev = rt_match_part(m, 1, 2);
	/* vmlinux only: module BTF (/sys/kernel/btf/MODULE) is not read yet. */
	if (!rt_glob(mod, "vmlinux", 7))
		return 0;
	for (uint32_t id = 1; id < rt_btf_count(); id++) {
		const struct btf_type *t = rt_btf_type(id);
		if (BTF_INFO_KIND(t->info) != BTF_KIND_FUNC)
			continue;
		const char *n = rt_btf_str(t->name_off);
		size_t plen;
		if (!strncmp(n, stub_prefix[0], plen = strlen(stub_prefix[0])) ||
		    !strncmp(n, stub_prefix[1], plen = strlen(stub_prefix[1]))) {
			const struct btf_type *proto = rt_btf_type(t->type);
			if (!proto || BTF_INFO_VLEN(proto->info) > MAX_ARGS + 1)
				continue;
			if (rt_glob(ev, n + plen, strlen(n + plen)))
				rt_out_addf(out, (void *)(uintptr_t)id, "vmlinux:%s", n + plen);
		}
	}
	return 0;
}

/* -lv: the prototype's parameters after __data, "    TYPE NAME". */
static void describe_rawtp(const struct rt_match *m, const char *entry, void *cookie, FILE *f)
{
	rt_btf_print_params((uint32_t)(uintptr_t)cookie, 1, f);
}

static void parse_rawtp(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 2, 3, "rawtracepoint:EVENT or rawtracepoint:MODULE:EVENT"))
		return;
	if (n == 3)
		pt->target = parts[1];
	pt->func = parts[n - 1];
}

static unsigned parts_rawtp(const struct probe_point *pt, const char **parts)
{
	unsigned n = 0;
	if (!pt->func)
		return 0;
	if (pt->target)
		parts[n++] = pt->target;
	parts[n++] = pt->func;
	return n;
}

const struct rt_provider rt_prov_rawtracepoint = {
	.type = PROBE_RAWTRACEPOINT, .name = "rawtracepoint",
	.form = "rawtracepoint[:MODULE]:EVENT", .max_parts = 2, .flags = RT_PROV_WILD | RT_PROV_PID_FILTER,
	.wildcards = true, .parse = parse_rawtp, .parts = parts_rawtp,
	.list = list_rawtp, .describe = describe_rawtp,
	.expand = RT_EXPAND_CATALOGUE, .args = RT_ARGS_RAWTP,
	/* raw_tp: untyped u64 arguments, the types come from BTF in sema */
	.section = "raw_tp", .section_form = RT_SEC_FUNC, .attach = RT_ATTACH_RAWTRACEPOINT,
};
