/* expand: every attach point becomes the concrete probes it names (tracepoint wildcards via tracefs). */
#include <stdlib.h>
#include <string.h>

#include "ast/sema.h"
#include "probes/binary.h"
#include "probes/list.h"
#include "probes/provider.h"

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

/* ---- tracepoints: the probe catalogue lists them, as for -l ---- */

/* tracepoint:CAT:FUNC as the catalogue lists it ("cat:event" strings). */
static long tp_list(struct expander *x, const char *cat, const char *func, const char ***out)
{
	struct probe_point q = { .ptype = PROBE_TRACEPOINT, .target = cat, .func = func, .parsed = true };
	return rt_expand(&q, 0, x->ctx->arena, x->ctx->diag, out);
}

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

/* Of "cat:event" entries, the one whose part `which` (0 category, 1 event)
 * is closest to `name`: one edit away, two for names of 16 characters or
 * more; ties go to the first in sorted order. NULL when nothing is that
 * close: "sys_enter_nope" is no typo of "sys_enter_iopl". */
static const char *closest(const char **v, long n, int which, const char *name)
{
	const char *best = NULL;
	unsigned bestd = strlen(name) >= 16 ? 3 : 2;
	char part[256];
	for (long i = 0; i < n; i++) {
		const char *colon = strchr(v[i], ':');
		if (!colon)
			continue;
		if (which == 0)
			snprintf(part, sizeof part, "%.*s", (int)(colon - v[i]), v[i]);
		else
			snprintf(part, sizeof part, "%s", colon + 1);
		unsigned dd = edit_distance(name, part);
		if (dd < bestd) {
			bestd = dd;
			best = v[i];
		}
	}
	return best;
}

/* "did you mean sys_enter_openat?" for a tracepoint that does not exist;
 * "syscalls:sys_enter_read" when the category is the typo. */
static const char *suggest(struct expander *x, const char *cat, const char *name)
{
	const char **v;
	long n = tp_list(x, cat, "*", &v);
	if (n > 0) {
		const char *c = closest(v, n, 1, name);
		return c ? strchr(c, ':') + 1 : NULL; /* the category was right: name the event */
	}
	n = tp_list(x, "*", name, &v);
	return n > 0 ? closest(v, n, 0, cat) : NULL;
}

static void tracepoint(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	const char **v;
	long n = tp_list(x, at->target, at->func, &v);
	if (n < 0) {
		x->errors++;
		return;
	}
	unsigned found = 0;
	for (long i = 0; i < n; i++) {
		const char *colon = strchr(v[i], ':');
		if (!colon)
			continue;
		const char *cat = arena_strndup(a, v[i], (size_t)(colon - v[i])), *ev = colon + 1;
		struct ty *args = tp_format_load(a, cat, ev, d);
		if (!args)
			continue; /* a directory without a format: not an event */
		struct sema_expansion *e = add(x, probe, ap);
		e->target = cat;
		e->func = ev;
		e->name = arena_printf(a, "tracepoint:%s", v[i]);
		e->args = args;
		found++;
	}
	if (found)
		return;
	x->errors++;
	if (at->wildcard) {
		diag_error(d, ap->span, "No matches for tracepoint %s:%s", at->target, at->func);
		return;
	}
	const char *hint = suggest(x, at->target, at->func);
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
	struct probe_point *at = ap->ap;
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
	struct probe_point *at = ap->ap;
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
	bool probes = false;
	for (struct ast *it = ctx->prog->program.items; it; it = it->next)
		if (it->kind == AST_PROBE) {
			probes = true;
			for (struct ast *ap = it->probe.aps; ap; ap = ap->next)
				expand_ap(&x, it, ap);
		}
	/* An empty script (or one of comments and C definitions) would attach
	 * nothing and wait forever; bpftrace refuses it too. */
	if (!probes) {
		struct span start = { .line = 1, .col = 1, .file = ctx->prog->span.file };
		diag_error(ctx->diag, start, "No probes to attach");
		x.errors++;
	}
	return x.errors;
}
