/* probe_uprobe: uprobe/uretprobe:BINARY:FUNCTION, an ELF's function symbols, with DWARF parameters under -lv. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probes/binary.h"
#include "probes/dwarf.h"
#include "runtime/attach.h"
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

static void add_sym(const char *name, uint64_t addr, void *arg)
{
	struct walk *w = arg;
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

const struct rt_provider rt_prov_uprobe = {
	.type = PROBE_UPROBE, .name = "uprobe", .form = "uprobe:BINARY:FUNCTION",
	.max_parts = 2, .flags = RT_PROV_USER,
	.list = list_uprobe, .describe = describe_uprobe,
	.attach = rt_attach_uprobe,
};

const struct rt_provider rt_prov_uretprobe = {
	.type = PROBE_URETPROBE, .name = "uretprobe", .form = "uretprobe:BINARY:FUNCTION",
	.max_parts = 2, .list = list_uretprobe,
	.attach = rt_attach_uprobe,
};
