/* probe_uprobe: uprobe/uretprobe:BINARY:FUNCTION, an ELF's function symbols, with DWARF parameters under -lv. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probes/binary.h"
#include "probes/dwarf.h"
#include "probes/point.h"
#include "probes/provider.h"

/* One binary of the batch: describe opens its DWARF on first need. */
struct bin {
	const char *path;
	size_t len;
	struct rt_dwarf *dw;
	bool tried;
	struct diag *d;
};

/* One listed symbol. */
struct usym {
	struct bin *bin;
	uint64_t addr;
};

struct walk {
	struct bin *bin;
	const char *fn_pat;
	struct rt_out *out;
};

static void add_sym(const char *name, uint64_t addr, uint64_t size, void *arg)
{
	struct walk *w = arg;
	(void)size;
	/* GCC's .part.N fragments are no function entry; bpftrace hides them. */
	if (!rt_glob(w->fn_pat, name, strlen(name)) || strstr(name, ".part."))
		return;
	struct usym *u = arena_alloc(rt_out_arena(w->out), sizeof(*u));
	*u = (struct usym){ w->bin, addr };
	rt_out_addf(w->out, u, "%s:%s", w->bin->path, name);
}

static void free_bin(void *arg)
{
	struct bin *b = arg;
	rt_dwarf_free(b->dw);
}

/* The binaries and function pattern a match names; target "*" with -p is
 * every object the process maps. NULL target: error already reported. */
static int targets(const struct rt_match *m, const char *prov, const char **target,
		   const char **fn)
{
	if (m->nparts == 2) {
		*target = m->part[0];
		*fn = m->part[1];
	} else if (m->pid) {
		*target = "*";
		*fn = m->nparts ? m->part[0] : "*";
	} else {
		if (!m->named)
			return 1;  /* a search across providers: no binary to search */
		diag_plain(m->d, DIAG_ERROR, "%s needs a binary: %s:BINARY:FUNCTION (or -p PID)",
			   prov, prov);
		return -EINVAL;
	}
	return 0;
}

static int list_syms(const struct rt_match *m, struct rt_out *out, const char *prov)
{
	const char *target, *fn;
	int err = targets(m, prov, &target, &fn);
	if (err)
		return err < 0 ? err : 0;
	struct rt_bins bins = { 0 };
	err = rt_bin_resolve(target, m->pid, prov, m->d, &bins);
	for (size_t i = 0; !err && i < bins.n; i++) {
		struct bin *b = arena_alloc(rt_out_arena(out), sizeof(*b));
		b->path = arena_strdup(rt_out_arena(out), bins.path[i]);
		b->len = strlen(b->path);
		b->d = m->d;
		rt_out_on_done(out, free_bin, b);
		struct walk w = { b, fn, out };
		int e = rt_bin_func_syms(b->path, add_sym, &w);
		/* A glob or a process maps files we may not read: skip those. */
		if (e && bins.n == 1 && !rt_has_wild(target)) {
			diag_plain(m->d, DIAG_ERROR, "cannot read symbols of '%s': %s", b->path,
				   strerror(-e));
			err = e;
		}
	}
	rt_bins_free(&bins);
	return err;
}

static int list_uprobe(const struct rt_match *m, struct rt_out *out)
{
	return list_syms(m, out, "uprobe");
}

static int list_uretprobe(const struct rt_match *m, struct rt_out *out)
{
	return list_syms(m, out, "uretprobe");
}

static void print_param(const char *type, const char *name, void *arg)
{
	fprintf(arg, "    %s %s\n", type, name);
}

/* -lv: "    TYPE NAME" per parameter, from DWARF when the binary has it. */
static void describe_uprobe(const struct rt_match *m, const char *entry, void *cookie, FILE *f)
{
	struct usym *u = cookie;
	struct bin *b = u->bin;
	if (!b->tried) {
		b->tried = true;
		b->dw = rt_dwarf_open(b->path);
		if (!b->dw)
			diag_plain(b->d, DIAG_WARNING, "no DWARF for '%s': cannot show arguments",
				   b->path);
	}
	if (b->dw)
		rt_dwarf_params(b->dw, entry + b->len + 1, u->addr, print_param, f);
}

/* ---- the attach points ---- */

static void parse_uprobe(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 2, 4, "uprobe:BINARY:FUNCTION"))
		return;
	if (n == 2) {
		pt_func_or_addr(c, pt, parts[1], pt->ptype == PROBE_UPROBE);
	} else if (strchr(parts[1], '@')) {
		/* uprobe:BINARY@FILE.c:LINE[:COL] */
		char *at = strchr(parts[1], '@');
		pt->target = arena_strndup(c->arena, parts[1], (size_t)(at - parts[1]));
		pt->src_file = at + 1;
		uint64_t v;
		if (!pt_parse_u64(parts[2], &v) || v == 0 || v > UINT32_MAX)
			pt_err(c, "invalid line number '%s' in uprobe source location", parts[2]);
		pt->line = (uint32_t)v;
		if (n == 4) {
			if (!pt_parse_u64(parts[3], &v) || v == 0 || v > UINT32_MAX)
				pt_err(c, "invalid column '%s' in uprobe source location", parts[3]);
			pt->column = (uint32_t)v;
		}
	} else if (n == 4) {
		pt->target = parts[1];
		pt->lang = parts[2];
		if (strcmp(parts[2], "cpp") && strcmp(parts[2], "c"))
			pt_err(c, "unknown uprobe language '%s', expected cpp", parts[2]);
		pt->func = parts[3];
	} else {
		pt->target = parts[1];
		pt_func_or_addr(c, pt, parts[2], pt->ptype == PROBE_UPROBE);
	}
}

/* BINARY:FUNCTION; an address or a bare offset names one place. */
static unsigned parts_uprobe(const struct probe_point *pt, const char **parts)
{
	if (pt->has_addr || !pt->func)
		return 0;
	parts[0] = pt->target ? pt->target : "*";
	parts[1] = pt->func;
	return 2;
}

const struct rt_provider rt_prov_uprobe = {
	.type = PROBE_UPROBE, .name = "uprobe", .form = "uprobe:BINARY:FUNCTION",
	.max_parts = 2, .flags = RT_PROV_USER | RT_PROV_REVERSE,
	.wildcards = true, .parse = parse_uprobe, .parts = parts_uprobe,
	.list = list_uprobe, .describe = describe_uprobe,
	.expand = RT_EXPAND_UPROBE, .args = RT_ARGS_REGS,
	.section = "uprobe", .attach = RT_ATTACH_UPROBE,
};

const struct rt_provider rt_prov_uretprobe = {
	.type = PROBE_URETPROBE, .name = "uretprobe", .form = "uretprobe:BINARY:FUNCTION",
	.max_parts = 2, .flags = RT_PROV_REVERSE, .wildcards = true, .parse = parse_uprobe,
	.parts = parts_uprobe, .list = list_uretprobe,
	.expand = RT_EXPAND_UPROBE, .args = RT_ARGS_REGS,
	.section = "uretprobe", .attach = RT_ATTACH_UPROBE,
};
