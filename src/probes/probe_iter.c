/* probe_iter: iter:NAME[:PIN], the kernel's BPF iterators (task, task_file, task_vma...) from BTF. */
#include <stdio.h>
#include <string.h>

#include "probes/btf.h"
#include "probes/point.h"
#include "probes/provider.h"

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

const struct rt_provider rt_prov_iter = {
	.type = PROBE_ITER, .name = "iter", .form = "iter:NAME[:PIN]", .max_parts = 1,
	.flags = RT_PROV_WILD, .wildcards = true, .parse = parse_iter, .parts = parts_iter,
	.list = list_iter, .describe = describe_iter,
	.expand = RT_EXPAND_CATALOGUE, .args = RT_ARGS_ITER,
	.section = "iter", .section_form = RT_SEC_FUNC, .attach = RT_ATTACH_ITER,
};
