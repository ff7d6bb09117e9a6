/* expand: every attach point becomes the concrete probes it names, as its probe type's record says. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ast/expand_impl.h"
#include "probes/binary.h"
#include "probes/list.h"
#include "probes/btf.h"
#include "probes/provider.h"
#include "probes/syscalls.h"

struct sema_expansion *expand_add(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct sema *s = x->s;
	s->exp = arena_grow(x->ctx->arena, s->exp, s->nexp, &s->capexp, sizeof(*s->exp));
	struct sema_expansion *e = &s->exp[s->nexp];
	*e = (struct sema_expansion){ .probe = probe, .ap = ap, .type = ap->ap->ptype, .index = s->nexp };
	s->nexp++;
	return e;
}

/* ---- the catalogue: what -l lists, so a program attaches exactly that ---- */

static long cat_list(struct expander *x, const struct probe_point *pt, const char ***out)
{
	return rt_expand(pt, 0, x->ctx->arena, x->ctx->diag, out);
}

/* The part of a catalogue entry after its last ':' (the function or event). */
static const char *last_part(const char *e)
{
	const char *colon = strrchr(e, ':');
	return colon ? colon + 1 : e;
}

/* Optimal string alignment distance between a[0..la) and b[0..lb), or
 * `bound` as soon as it cannot be below `bound`: a probe's suggestion scans
 * every kernel function (~70,000), so most names must cost a length check
 * or a row or two, not a full table. */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb, unsigned bound)
{
	if (la > 64 || lb > 64)
		return bound;
	if ((la > lb ? la - lb : lb - la) >= bound)
		return bound;
	unsigned d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned row_min = d[i][0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			unsigned del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
			if (d[i][j] < row_min)
				row_min = d[i][j];
		}
		/* a row's minimum never falls in the rows below (a transposition
		 * reaches back two rows, so keep one row of slack) */
		if (row_min >= bound + 1)
			return bound;
	}
	return d[la][lb] < bound ? d[la][lb] : bound;
}

/* Of "target:func" entries, the one whose part `which` (0 the target, 1
 * the part after the last ':') is closest to `name`: one edit away, two for names of 16 characters or
 * more; ties go to the first in sorted order. NULL when nothing is that
 * close: "sys_enter_nope" is no typo of "sys_enter_iopl". */
static const char *closest(const char **v, long n, int which, const char *name)
{
	const char *best = NULL;
	size_t ln = strlen(name);
	unsigned bestd = ln >= 16 ? 3 : 2;
	for (long i = 0; i < n; i++) {
		const char *colon = strrchr(v[i], ':');
		const char *part = v[i];
		size_t lp;
		if (!colon && which == 0)
			continue;
		if (!colon)
			lp = strlen(part);
		else if (which == 0)
			lp = (size_t)(colon - v[i]);
		else
			part = colon + 1, lp = strlen(part);
		unsigned dd = edit_distance(name, ln, part, lp, bestd);
		if (dd < bestd) {
			bestd = dd;
			best = v[i];
		}
	}
	return best;
}

/* "did you mean sys_enter_openat?" for a probe that does not exist;
 * "syscalls:sys_enter_read" when the target (category, module) is the typo. */
static const char *suggest(struct expander *x, const struct probe_point *at)
{
	const char **v;
	struct probe_point q = *at;
	if (x->sug.made++ >= SUGGEST_MAX)
		return NULL;
	q.func = "*";
	long n;
	if (x->sug.valid && x->sug.type == at->ptype &&
	    (x->sug.target == at->target ||
	     (x->sug.target && at->target && !strcmp(x->sug.target, at->target)))) {
		v = x->sug.v;
		n = x->sug.n;
	} else {
		n = cat_list(x, &q, &v);
		x->sug.valid = true;
		x->sug.type = at->ptype;
		x->sug.target = at->target;
		x->sug.v = v;
		x->sug.n = n;
	}
	if (n > 0) {
		const char *c = closest(v, n, 1, at->func);
		return c ? last_part(c) : NULL; /* the target was right: name the function */
	}
	if (!at->target)
		return NULL;
	q.target = "*";
	q.func = at->func;
	n = cat_list(x, &q, &v);
	return n > 0 ? closest(v, n, 0, at->target) : NULL;
}

/* `args` of one concrete probe, from where its type's record says. NULL
 * with *skip when the entry is not a probe after all (a tracepoint
 * directory without a format). */
static const struct ty *load_args(struct expander *x, enum rt_args how, const char *target,
				  const char *func, bool *skip)
{
	struct arena *a = x->ctx->arena;
	char name[320];
	const struct ty *t = NULL;
	*skip = false;
	switch (how) {
	case RT_ARGS_TRACEPOINT:
		/* read when a block reads args (sema_check_args): the catalogue
		 * listed the event's directory already */
		return NULL;
	case RT_ARGS_RAWTP:
		/* __probestub_EVENT (6.4+) or __traceiter_EVENT: (void *__data, args...) */
		snprintf(name, sizeof name, "__probestub_%s", func);
		if (!(t = sema_btf_args(a, name, 1, arena_printf(a, "_rawtracepoint_%s", func)))) {
			snprintf(name, sizeof name, "__traceiter_%s", func);
			t = sema_btf_args(a, name, 1, arena_printf(a, "_rawtracepoint_%s", func));
		}
		return t;
	case RT_ARGS_FENTRY:
	case RT_ARGS_FEXIT:
		return sema_btf_args(a, func, 0, arena_printf(a, "_fentry_%s", func));
	case RT_ARGS_ITER:
		/* the iterator's context: struct bpf_iter__NAME { meta; object; } */
		snprintf(name, sizeof name, "bpf_iter_%s", func);
		return sema_btf_args(a, name, 0, arena_printf(a, "_iter_%s", func));
	case RT_ARGS_NONE:
	case RT_ARGS_REGS:
		break;
	}
	return NULL;
}

/* Every catalogue entry the attach point matches, one program each. */
static void catalogue(struct expander *x, struct ast *probe, struct ast *ap,
		      const struct rt_provider *k)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	const char **v;
	long n = cat_list(x, at, &v);
	if (n < 0) {
		x->errors++;
		return;
	}
	unsigned found = 0;
	if (!x->ctx->probe_filter && x->s->nexp + x->uncounted + (uint64_t)n > x->max_probes) {
		x->uncounted += (unsigned)n;
		return;
	}
	for (long i = 0; i < n; i++) {
		const char *colon = strrchr(v[i], ':');
		const char *target = colon ? arena_strndup(a, v[i], (size_t)(colon - v[i])) : NULL;
		const char *func = colon ? colon + 1 : v[i];
		bool skip;
		const struct ty *args = load_args(x, k->args, target, func, &skip);
		if (skip)
			continue;
		struct sema_expansion *e = expand_add(x, probe, ap);
		e->target = target;
		e->func = func;
		e->name = arena_printf(a, "%s:%s", k->name, v[i]);
		e->args = args;
		found++;
	}
	if (found)
		return;
	const char *what = at->target ? arena_printf(a, "%s:%s", at->target, at->func ? at->func : "")
				      : at->func ? at->func : "";
	/* A wildcard, and a raw tracepoint named without its module (current
	 * bpftrace reads `*:name`), expand in full: one that matches nothing
	 * leaves its probe without that attach point and says nothing itself. */
	bool full = at->wildcard || (at->ptype == PROBE_RAWTRACEPOINT && !at->target);
	if (full && (probe->probe.aps != ap || ap->next)) {
		/* one of several attach points: the others may match (bpftrace
		 * 0.17 warns; dcsnoop.bt lists lookup_fast.constprop.*) */
		diag_warning(d, ap->span, "No matches for %s %s", k->name, what);
		return;
	}
	const char *hint = at->func && !at->wildcard ? suggest(x, at) : NULL;
	if (full) {
		x->hint = hint;   /* told with the probe's "no valid attach points" */
		return;
	}
	expand_missing(x, ap, k->name, what, hint);
}

void expand_missing(struct expander *x, struct ast *ap, const char *kind, const char *what,
		    const char *hint)
{
	struct diag *d = x->ctx->diag;
	uint64_t m = x->ctx->cfg ? cfg_u(x->ctx->cfg, CFG_MISSING_PROBES) : CFG_MISSING_ERROR;
	if (m == CFG_MISSING_IGNORE)
		return;
	if (m == CFG_MISSING_WARN) {
		diag_warning(d, ap->span, "No matches for %s %s. Skipping.", kind, what);
		return;
	}
	diag_error(d, ap->span, "No matches for %s %s.", kind, what);
	if (hint)
		diag_plain(d, DIAG_NOTE, "did you mean %s?", hint);
	x->errors++;
}

void expand_unattachable(struct expander *x, struct ast *ap, const char *name, const char *why,
			 const char *hint)
{
	struct diag *d = x->ctx->diag;
	uint64_t m = x->ctx->cfg ? cfg_u(x->ctx->cfg, CFG_MISSING_PROBES) : CFG_MISSING_ERROR;
	if (m != CFG_MISSING_ERROR)
		x->skipped++;
	if (m == CFG_MISSING_IGNORE)
		return;
	diag_plain(d, m == CFG_MISSING_WARN ? DIAG_WARNING : DIAG_ERROR, "%s", why);
	if (hint)
		diag_plain(d, DIAG_NOTE, "%s", hint);
	if (m == CFG_MISSING_WARN) {
		diag_warning(d, ap->span, "Unable to attach probe: %s. Skipping.", name);
		return;
	}
	diag_error(d, ap->span, "Unable to attach probe: %s. If this is expected, set the "
		   "'missing_probes' config variable to 'warn'.", name);
	x->errors++;
}

/* A probe all of whose attach points matched nothing and were skipped: an
 * error, or with missing_probes = "warn" or "ignore" the probe is left out
 * (current bpftrace's words). */
static void no_attach_points(struct expander *x, struct ast *probe)
{
	struct diag *d = x->ctx->diag;
	uint64_t m = x->ctx->cfg ? cfg_u(x->ctx->cfg, CFG_MISSING_PROBES) : CFG_MISSING_ERROR;
	struct span at = probe->probe.aps->span;
	for (struct ast *ap = probe->probe.aps; ap; ap = ap->next)
		at = span_join(at, ap->span);
	if (m == CFG_MISSING_WARN) {
		diag_warning(d, at, "Probe has no valid attach points. It is being removed which may "
			     "cause issues with program behavior.");
	} else if (m != CFG_MISSING_IGNORE) {
		diag_error(d, at, "Probe has no valid attach points. If this is expected, set the "
			   "'missing_probes' config variable to 'warn'.");
		if (x->hint)
			diag_plain(d, DIAG_NOTE, "did you mean %s?", x->hint);
		x->errors++;
	}
	x->hint = NULL;
}

/* kprobe on one named function (or address). */
static void function_probe(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	/* kprobe:MODULE:FUNC: the module must be loaded (current bpftrace's words) */
	char path[320];
	snprintf(path, sizeof path, "/sys/module/%s", at->target ? at->target : "");
	if (at->target && strcmp(at->target, "vmlinux") && access(path, F_OK)) {
		diag_error(x->ctx->diag, ap->span, "specified module %s in probe %s is not loaded.",
			   at->target, at->raw);
		x->errors++;
		return;
	}
	/* A function the kernel does not list (kallsyms here: this kernel's
	 * available_filter_functions is unreadable) would fail to attach:
	 * current bpftrace warns, and skips it by missing_probes unless
	 * --unsafe asks to try anyway. On a kernel without kprobes no function
	 * attaches: by default the attach says so, and Debian's kprobe tools
	 * naming functions this kernel lacks still load under --dry-run. */
	const char **v;
	uint64_t m = x->ctx->cfg ? cfg_u(x->ctx->cfg, CFG_MISSING_PROBES) : CFG_MISSING_ERROR;
	bool kprobes = access("/sys/bus/event_source/devices/kprobe", F_OK) == 0;
	if (at->func && (kprobes || m != CFG_MISSING_ERROR) && cat_list(x, at, &v) == 0) {
		if (m != CFG_MISSING_IGNORE)
			diag_warning(x->ctx->diag, ap->span, "%s is not traceable (either non-existing, "
				     "inlined, or marked as \"notrace\"); attaching to it will likely fail",
				     at->func);
		if (!x->ctx->unsafe) {
			const char *what = at->target ? arena_printf(x->ctx->arena, "%s:%s", at->target, at->func)
						      : at->func;
			expand_missing(x, ap, probetype_name(at->ptype), what, NULL);
			return;
		}
	}
	struct sema_expansion *e = expand_add(x, probe, ap);
	e->target = at->target;
	e->func = at->func ? at->func : arena_printf(x->ctx->arena, "0x%llx", (unsigned long long)at->addr);
	e->name = arena_printf(x->ctx->arena, "%s:%s", probetype_name(at->ptype), e->func);
}

/* The attach point's probe type's record says how it expands. */
static void expand_ap(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	const struct rt_provider *k = rt_provider_of(at->ptype);
	struct sema_expansion *e;
	const char *rest;
	switch (k ? k->expand : RT_EXPAND_UNSUPPORTED) {
	case RT_EXPAND_ONE:
		/* named as written after the provider: "software:cpu:100000", "profile:hz:99" */
		e = expand_add(x, probe, ap);
		rest = strchr(at->raw, ':');
		/* BEGIN and END keep their spelling: 0.17's `probe` reads "BEGIN",
		 * HEAD's "begin", each for the way its scripts write it */
		if (!rest && !strcasecmp(at->raw, k->name))
			e->name = at->raw;
		else
			e->name = arena_printf(a, "%s%s", k->name, rest ? rest : "");
		e->target = at->target;
		e->func = at->func;
		break;
	case RT_EXPAND_CATALOGUE:
		if (at->pin) {
			/* a pinned iterator is read by `cat` later, so its rows must
			 * go to the seq_file (bpf_seq_printf), not to the ring buffer */
			diag_error(x->ctx->diag, ap->span, "%s: pinning an iterator is not supported yet", at->raw);
			x->errors++;
			break;
		}
		catalogue(x, probe, ap, k);
		break;
	case RT_EXPAND_FUNCTION:
		if (at->wildcard)
			catalogue(x, probe, ap, k);
		else
			function_probe(x, probe, ap);
		break;
	case RT_EXPAND_UPROBE:
		expand_uprobe(x, probe, ap);
		break;
	case RT_EXPAND_USDT:
		expand_usdt(x, probe, ap);
		break;
	case RT_EXPAND_WATCHPOINT:
		expand_watchpoint(x, probe, ap);
		break;
	case RT_EXPAND_UNSUPPORTED:
		diag_error(x->ctx->diag, ap->span, "%s probes are not supported yet",
			   probetype_name(at->ptype));
		x->errors++;
		break;
	}
}

/* --probe-filter RE: only the programs whose probe name RE matches
 * somewhere (current bpftrace's regex_search; here POSIX extended syntax),
 * begin and end always, and a watchpoint's hidden uprobe with its watch. */
static void probe_filter(struct expander *x)
{
	struct sema *s = x->s;
	regex_t re;
	int rc = regcomp(&re, x->ctx->probe_filter, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[256];
		regerror(rc, &re, msg, sizeof msg);
		diag_plain(x->ctx->diag, DIAG_ERROR, "Invalid --probe-filter regex '%s': %s",
			   x->ctx->probe_filter, msg);
		x->errors++;
		return;
	}
	unsigned *to = arena_alloc(x->ctx->arena, (s->nexp + 1) * sizeof(*to));  /* old -> 1 + new, 0: gone */
	for (unsigned i = 0; i < s->nexp; i++) {
		const struct sema_expansion *e = &s->exp[i];
		bool keep = e->type == PROBE_BEGIN || e->type == PROBE_END ||
			    !regexec(&re, e->name, 0, NULL, 0);
		to[i] = keep;
	}
	regfree(&re);
	unsigned n = 0;
	for (unsigned i = 0; i < s->nexp; i++) {
		struct sema_expansion e = s->exp[i];
		if (!to[i] && !(e.watch_setup && to[e.watch_setup - 1]))
			continue;
		to[i] = 1 + n;
		e.index = n;
		s->exp[n++] = e;
	}
	for (unsigned i = 0; i < n; i++)
		if (s->exp[i].watch_setup)
			s->exp[i].watch_setup = to[s->exp[i].watch_setup - 1];
	s->nexp = n;
}

/* Field `name` of BTF struct `rec`, of type ft, as a record of that one
 * field (all a CO-RE relocation needs: the names, cg_core.c); NULL when
 * BTF has no such whole-byte member. task_struct's ~250 members are never
 * typed one by one (sema_btf_fields took ~10 ms). */
static const struct ty_field *btf_field(struct arena *a, const char *rec, const char *name,
					const struct ty *ft, const struct ty **out)
{
	const struct ty *stub = sema_btf_record(a, rec, false, NULL);
	const struct btf_type *t = stub ? rt_btf_type(stub->btf_id) : NULL;
	if (!t)
		return NULL;
	const struct btf_member *m = (const struct btf_member *)(t + 1);
	for (unsigned i = 0; i < BTF_INFO_VLEN(t->info); i++, m++) {
		if (strcmp(rt_btf_str(m->name_off), name))
			continue;
		uint32_t bits = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
		if (bits % 8 || (BTF_INFO_KFLAG(t->info) && BTF_MEMBER_BITFIELD_SIZE(m->offset)))
			return NULL;
		struct ty *r = arena_alloc(a, sizeof(*r));
		*r = *stub;
		struct ty_field *f = arena_alloc(a, sizeof(*f));
		*f = (struct ty_field){ .name = name, .offset = bits / 8, .type = (struct ty *)ft };
		r->fields = f;
		r->count = 1;
		*out = r;
		return f;
	}
	return NULL;
}

/* Whether syscall tracepoints may be served by one tp_btf program on the
 * raw syscall tracepoints (cg_sysdisp.c): the kernel has BTF, with the
 * typed sys_enter/sys_exit tracepoints and where a task's TS_COMPAT bit
 * lives (thread_info.status, the first member of task_struct on x86-64),
 * which keeps 32-bit tasks' syscalls out as the syscalls tracepoints do. */
static void sysdisp_check(struct pass_ctx *ctx)
{
	struct sema *s = ctx->sema;
	s->sysdisp_status_off = -1;
	s->sysdisp_mode = ctx->cfg ? (unsigned)cfg_u(ctx->cfg, CFG_SYSCALL_DISPATCH) : CFG_SYSDISP_AUTO;
	if (s->sysdisp_mode == CFG_SYSDISP_NEVER)
		return;
	bool any = false;
	const char *name;
	for (unsigned i = 0; i < s->nexp && !any; i++)
		any = s->exp[i].type == PROBE_TRACEPOINT && s->exp[i].target &&
		      !strcmp(s->exp[i].target, "syscalls") && rt_syscall_event(s->exp[i].func, &name);
	if (!any || rt_btf_load(NULL) < 0 || rt_btf_find("btf_trace_sys_enter", BTF_KIND_TYPEDEF) < 0 ||
	    rt_btf_find("btf_trace_sys_exit", BTF_KIND_TYPEDEF) < 0)
		return;
	/* read through CO-RE relocations (cg_core.c): an artifact finds them on its kernel */
	const struct ty *tinfo = sema_btf_record(ctx->arena, "thread_info", false, NULL);
	const struct ty_field *ti = tinfo ? btf_field(ctx->arena, "task_struct", "thread_info", tinfo,
						      &s->sysdisp_task) : NULL;
	const struct ty_field *st = btf_field(ctx->arena, "thread_info", "status", ty_int(4, false),
					      &s->sysdisp_ti);
	if (ti && st) {
		s->sysdisp_ti_field = ti;
		s->sysdisp_status_field = st;
		s->sysdisp_status_off = (int)(ti->offset + st->offset);
	}
}

unsigned sema_expand(struct pass_ctx *ctx)
{
	if (!ctx->sema) {
		ctx->sema = arena_alloc(ctx->arena, sizeof(*ctx->sema));
		/* config max_strlen: HEAD's default 1024 (0.17: 64) */
		ctx->sema->max_strlen = ctx->cfg ? (uint32_t)cfg_u(ctx->cfg, CFG_MAX_STRLEN) : 1024;
	}
	struct expander x = { .ctx = ctx, .s = ctx->sema,
			      .max_probes = ctx->cfg ? cfg_u(ctx->cfg, CFG_MAX_PROBES) : 1024 };
	bool probes = false;
	for (struct ast *it = ctx->prog->program.items; it; it = it->next) {
		if (it->kind != AST_PROBE)
			continue;
		probes = true;
		unsigned before = ctx->sema->nexp + x.uncounted, errors = x.errors;
		/* bpftrace's rule: an iterator probe has one attach point */
		if (it->probe.aps && it->probe.aps->next)
			for (struct ast *ap = it->probe.aps; ap; ap = ap->next)
				if (ap->ap->ptype == PROBE_ITER) {
					diag_error(ctx->diag, ap->span, "Only single iter attach point is allowed.");
					x.errors++;
					break;
				}
		for (struct ast *ap = it->probe.aps; ap; ap = ap->next)
			expand_ap(&x, it, ap);
		if (ctx->sema->nexp + x.uncounted == before && x.errors == errors && it->probe.aps)
			no_attach_points(&x, it);
	}
	if (ctx->probe_filter && !x.errors)
		probe_filter(&x);
	/* An empty script (or one of comments and C definitions) would attach
	 * nothing and wait forever; bpftrace refuses it too. */
	if (!probes) {
		struct span start = { .line = 1, .col = 1, .file = ctx->prog->span.file };
		diag_error(ctx->diag, start, "No probes to attach");
		x.errors++;
	} else if (!x.errors && !ctx->sema->nexp && !x.uncounted) {
		/* every probe was left out (missing_probes): current bpftrace's
		 * line, on standard output, and exit status 1 */
		printf("No probes to attach\n");
		fflush(stdout);
		x.errors++;
	}
	/* Each probe is a BPF program to generate: refused here, before codegen
	 * (kprobe:* made 60,000 and compiled for six minutes), in the words the
	 * runtime's own check uses (driver.c, apply_limits). */
	uint64_t max = x.max_probes;
	if (!x.errors && ctx->sema->nexp + x.uncounted > max) {
		diag_plain(ctx->diag, DIAG_ERROR, "Can't attach to %u probes because it exceeds the "
			   "current limit of %llu probes. You can increase the limit through the "
			   "BPFTRACE_MAX_PROBES environment variable, but BE CAREFUL since a high number "
			   "of probes attached can cause your system to crash.", ctx->sema->nexp + x.uncounted,
			   (unsigned long long)max);
		x.errors++;
	}
	if (!x.errors)
		sysdisp_check(ctx);
	return x.errors;
}
