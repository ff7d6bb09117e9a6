/* expand: every attach point becomes the concrete probes it names (tracepoint wildcards via tracefs). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "ast/sema.h"
#include "runtime/binary.h"
#include "runtime/fs.h"
#include "runtime/provider.h"
#include "runtime/tracefs.h"

struct expander {
	struct pass_ctx *ctx;
	struct sema *s;
	unsigned errors;
	unsigned nbegin, nend;
};

static struct sema_expansion *add(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct sema *s = x->s;
	s->exp = arena_grow(x->ctx->arena, s->exp, s->nexp, &s->capexp, sizeof(*s->exp));
	struct sema_expansion *e = &s->exp[s->nexp];
	*e = (struct sema_expansion){ .probe = probe, .ap = ap, .type = ap->ap->ptype, .index = s->nexp };
	s->nexp++;
	return e;
}

/* ---- tracepoints ---- */

struct names {
	char **v;
	unsigned n, cap;
	const char *pat;
};

static int collect(const char *name, bool is_dir, void *arg)
{
	struct names *ns = arg;
	if (!is_dir || (ns->pat && !rt_glob(ns->pat, name, strlen(name))))
		return 0;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 64;
		ns->v = xrealloc(ns->v, ns->cap * sizeof(*ns->v));
	}
	ns->v[ns->n++] = xstrdup(name);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *ns)
{
	for (unsigned i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* Edits from a to b, a swap of neighbours counting as one (the optimal
 * string alignment distance): "raed" is one edit from "read". */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	unsigned d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			unsigned del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[la][lb];
}

/* The name in directory `dir` (under events) closest to `name`: one edit
 * away, two for names of 16 characters or more; ties go to the first in
 * sorted order, so the hint does not depend on readdir's order. NULL when
 * nothing is that close: "sys_enter_nope" is no typo of "sys_enter_iopl". */
static const char *closest(int events, const char *dir, const char *name, struct arena *a)
{
	struct names ns = { 0 };
	int fd = openat(events, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	rt_fs_dir_each(fd, collect, &ns);
	close(fd);
	qsort(ns.v, ns.n, sizeof(*ns.v), cmp_str);
	const char *best = NULL;
	unsigned bestd = strlen(name) >= 16 ? 3 : 2;
	for (unsigned i = 0; i < ns.n; i++) {
		unsigned dd = edit_distance(name, ns.v[i]);
		if (dd < bestd) {
			bestd = dd;
			best = arena_strdup(a, ns.v[i]);
		}
	}
	names_free(&ns);
	return best;
}

/* "did you mean sys_enter_openat?" for a tracepoint that does not exist;
 * "syscalls:sys_enter_read" when the category is the typo. */
static const char *suggest(int events, const char *cat, const char *name, struct arena *a)
{
	struct stat st;
	if (!fstatat(events, cat, &st, 0) && S_ISDIR(st.st_mode))
		return closest(events, cat, name, a);
	const char *c = closest(events, ".", cat, a);
	if (!c)
		return NULL;
	char path[512];
	snprintf(path, sizeof path, "%s/%s", c, name);
	if (fstatat(events, path, &st, 0) || !S_ISDIR(st.st_mode))
		return NULL;
	return arena_printf(a, "%s:%s", c, name);
}

static void tracepoint(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct ast_attach *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	int events = rt_tracefs_events(d);
	if (events < 0) {
		x->errors++;
		return;
	}
	struct names cats = { .pat = at->target };
	if (rt_has_wild(at->target)) {
		rt_fs_dir_each(events, collect, &cats);
	} else {
		cats.pat = NULL;
		collect(at->target, true, &cats);
	}
	qsort(cats.v, cats.n, sizeof(*cats.v), cmp_str);
	unsigned found = 0;
	for (unsigned i = 0; i < cats.n; i++) {
		/* The ftrace category holds the tracer's own events: not attachable. */
		if (!strcmp(cats.v[i], "ftrace") && rt_has_wild(at->target))
			continue;
		struct names evs = { .pat = at->func };
		int fd = openat(events, cats.v[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (rt_has_wild(at->func)) {
			rt_fs_dir_each(fd, collect, &evs);
		} else {
			struct stat st;
			evs.pat = NULL;
			if (!fstatat(fd, at->func, &st, 0) && S_ISDIR(st.st_mode))
				collect(at->func, true, &evs);
		}
		close(fd);
		qsort(evs.v, evs.n, sizeof(*evs.v), cmp_str);
		for (unsigned j = 0; j < evs.n; j++) {
			struct ty *args = tp_format_load(a, cats.v[i], evs.v[j], d);
			if (!args)
				continue; /* a directory without a format: not an event */
			struct sema_expansion *e = add(x, probe, ap);
			e->target = arena_strdup(a, cats.v[i]);
			e->func = arena_strdup(a, evs.v[j]);
			e->name = arena_printf(a, "tracepoint:%s:%s", e->target, e->func);
			e->args = args;
			found++;
		}
		names_free(&evs);
	}
	names_free(&cats);
	if (found)
		return;
	x->errors++;
	if (at->wildcard) {
		diag_error(d, ap->span, "No matches for tracepoint %s:%s", at->target, at->func);
		return;
	}
	const char *hint = suggest(events, at->target, at->func, a);
	if (hint)
		diag_error(d, ap->span, "tracepoint not found: %s:%s; did you mean %s?", at->target, at->func, hint);
	else
		diag_error(d, ap->span, "tracepoint not found: %s:%s", at->target, at->func);
}

/* kprobe/uprobe on one named function (or address): the binary of a uprobe
 * resolved as bpftrace does (a path, a library through ld.so.cache, a
 * program through $PATH), since the kernel wants an absolute path. */
static void function_probe(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct ast_attach *at = ap->ap;
	struct arena *a = x->ctx->arena;
	bool user = at->ptype == PROBE_UPROBE || at->ptype == PROBE_URETPROBE;
	if (at->wildcard || at->src_file || at->lang || (user && !at->target)) {
		diag_error(x->ctx->diag, ap->span, "%s: this form (wildcards, file:line, language, or no binary) "
			   "is not supported yet", at->raw);
		x->errors++;
		return;
	}
	const char *target = at->target;
	if (user) {
		struct rt_bins bins = { 0 };
		if (rt_bin_resolve(at->target, 0, probetype_name(at->ptype), x->ctx->diag, &bins) < 0) {
			x->errors++;
			return;
		}
		if (bins.n != 1) {
			diag_error(x->ctx->diag, ap->span, "%s: '%s' names %zu binaries, expected one", at->raw,
				   at->target, bins.n);
			rt_bins_free(&bins);
			x->errors++;
			return;
		}
		target = arena_strdup(a, bins.path[0]);
		rt_bins_free(&bins);
	}
	struct sema_expansion *e = add(x, probe, ap);
	e->target = target;
	e->func = at->func ? at->func : arena_printf(a, "0x%llx", (unsigned long long)at->addr);
	e->name = user ? arena_printf(a, "%s:%s:%s", probetype_name(at->ptype), target, e->func)
		       : arena_printf(a, "%s:%s", probetype_name(at->ptype), e->func);
}

static void expand_ap(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct ast_attach *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct sema_expansion *e;
	const char *rest;
	switch (at->ptype) {
	case PROBE_BEGIN:
	case PROBE_END:
		e = add(x, probe, ap);
		e->name = probetype_name(at->ptype);
		break;
	case PROBE_TRACEPOINT:
		tracepoint(x, probe, ap);
		break;
	case PROBE_INTERVAL:
	case PROBE_PROFILE:
		e = add(x, probe, ap);
		rest = strchr(at->raw, ':');
		e->name = arena_printf(a, "%s%s", probetype_name(at->ptype), rest ? rest : "");
		break;
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
		function_probe(x, probe, ap);
		break;
	case PROBE_USDT: case PROBE_RAWTRACEPOINT: case PROBE_FENTRY: case PROBE_FEXIT:
	case PROBE_SOFTWARE: case PROBE_HARDWARE: case PROBE_WATCHPOINT: case PROBE_ASYNCWATCHPOINT:
	case PROBE_ITER: case PROBE_SELF: case PROBE_TEST: case PROBE_BENCH:
		diag_error(x->ctx->diag, ap->span, "%s probes are not supported yet (this build runs begin, end, "
			   "tracepoint, interval, profile, kprobe and uprobe probes)", probetype_name(at->ptype));
		x->errors++;
		break;
	case PROBE_INVALID:
	case PROBE__COUNT:
		x->errors++;
		break;
	}
}

unsigned sema_expand(struct pass_ctx *ctx)
{
	if (!ctx->sema) {
		ctx->sema = arena_alloc(ctx->arena, sizeof(*ctx->sema));
		ctx->sema->max_strlen = 1024;   /* HEAD's default (0.17: 64) */
	}
	struct expander x = { .ctx = ctx, .s = ctx->sema };
	for (struct ast *it = ctx->prog->program.items; it; it = it->next)
		if (it->kind == AST_PROBE)
			for (struct ast *ap = it->probe.aps; ap; ap = ap->next)
				expand_ap(&x, it, ap);
	return x.errors;
}
