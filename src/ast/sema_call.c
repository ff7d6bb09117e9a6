/* sema_call: the checkers of functions and aggregations (rows of builtin.def). */
#include <stdlib.h>
#include <string.h>

#include "ast/cdefs.h"
#include "ast/sema_impl.h"
#include "common/fmt.h"

static const struct ty *arg_int(struct checker *c, struct ast *a, const char *fn, unsigned i)
{
	const struct ty *t = sema_expr(c, a);
	if (sema_poisoned(t))
		return NULL;
	if (!ty_is_int(t)) {
		sema_err(c, a->span, "%s() expects an integer for argument %u, got '%s'", fn, i + 1, sema_tname(c, t));
		return NULL;
	}
	return t;
}

/* An argument that must be known at compile time; the error underlines the
 * call `n`, as bpftrace does. */
bool sema_arg_const(struct checker *c, struct ast *n, struct ast *a, const char *what, int64_t *out)
{
	if (a->kind == AST_INT) {
		*out = (int64_t)a->num.value;
		a->type = (void *)ty_int(8, true);
		return true;
	}
	if (a->kind == AST_UNARY && a->unary.op == AST_OP_NEG && a->unary.e->kind == AST_INT) {
		*out = -(int64_t)a->unary.e->num.value;
		a->type = (void *)ty_int(8, true);
		return true;
	}
	if (a->kind == AST_POSITIONAL && a->pos.n <= (uint32_t)c->ctx->nparams) {
		char *end;
		uint32_t pos = a->pos.n;
		*out = strtoll(c->ctx->params[pos - 1], &end, 0);
		if (*c->ctx->params[pos - 1] && !*end) {
			sema_param_fixed(c, pos);
			/* Folded to the integer it names, which codegen reads. */
			a->kind = AST_INT;
			a->num.value = (uint64_t)*out;
			a->num.form = AST_INT_DEC;
			a->num.text = arena_printf(c->a, "$%u", pos);
			a->type = (void *)ty_int(8, true);
			return true;
		}
	}
	sema_err(c, n->span, "%s(): %s must be a constant integer", n->call.name, what);
	return false;
}

/* An argument that must be an integer: an aggregation's value, bswap's,
 * ... (bpftrace's wording, on the call). */
const struct ty *sema_int_arg(struct checker *c, struct ast *n, struct ast *a)
{
	const struct ty *t = sema_expr(c, a);
	if (sema_poisoned(t))
		return NULL;
	if (!ty_is_int(t)) {
		sema_err(c, n->span, "%s() only supports integer arguments (%s provided)", n->call.name,
			 sema_kname(c, t));
		return NULL;
	}
	return t;
}

static const struct ty *agg1(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
			     enum ty_agg agg)
{
	const struct ty *arg = NULL;
	if (nargs && !(arg = sema_int_arg(c, n, args[0])))
		return ty_none();
	return ty_agg(c->a, agg, arg ? arg : ty_int(8, false));
}

#define AGG_FN(fname, agg) \
	const struct ty *sema_check_##fname(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map) \
	{ (void)map; return agg1(c, n, args, nargs, agg); }
AGG_FN(count, TY_AGG_COUNT)
AGG_FN(sum, TY_AGG_SUM)
AGG_FN(avg, TY_AGG_AVG)
AGG_FN(min, TY_AGG_MIN)
AGG_FN(max, TY_AGG_MAX)
AGG_FN(stats, TY_AGG_STATS)

const struct ty *sema_check_hist(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	const struct ty *arg = sema_int_arg(c, n, args[0]);
	int64_t k = 0;
	if (!arg || (nargs == 2 && !sema_arg_const(c, n, args[1], "the number of bits", &k)))
		return ty_none();
	if (k < 0 || k > 5) {
		sema_err(c, n->span, "hist: bits %lld must be 0..5", (long long)k);   /* HEAD's wording */
		return ty_none();
	}
	struct ty *t = ty_agg(c->a, TY_AGG_HIST, arg);
	t->hist_bits = (uint32_t)k;
	return t;
}

const struct ty *sema_check_lhist(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	const struct ty *arg = sema_int_arg(c, n, args[0]);
	int64_t lo, hi, step;
	if (!arg || !sema_arg_const(c, n, args[1], "min", &lo) || !sema_arg_const(c, n, args[2], "max", &hi) ||
	    !sema_arg_const(c, n, args[3], "step", &step))
		return ty_none();
	if (step <= 0) {
		sema_err(c, n->span, "lhist() step must be >= 1 (%lld provided)", (long long)step);
		return ty_none();
	}
	if (lo > hi) {
		sema_err(c, n->span, "lhist() min must be less than max (provided min %lld and max %lld)",
			 (long long)lo, (long long)hi);
		return ty_none();
	}
	if (step > hi - lo) {
		sema_err(c, n->span, "lhist() step is too large for the given range (provided step %lld for range %lld)",
			 (long long)step, (long long)(hi - lo));
		return ty_none();
	}
	if ((hi - lo) / step > 1000) {
		sema_err(c, n->span, "lhist() too many buckets, must be <= 1000 (would need %lld)",
			 (long long)((hi - lo) / step));
		return ty_none();
	}
	struct ty *t = ty_agg(c->a, TY_AGG_LHIST, arg);
	t->lhist_min = lo;
	t->lhist_max = hi;
	t->lhist_step = step;
	return t;
}

/* tseries(v, interval, n [, "avg"|"max"|"min"|"sum"]): one value per
 * interval, the last n intervals kept; without a fold, the last value. */
const struct ty *sema_check_tseries(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				    struct ast *map)
{
	(void)map;
	static const char *const folds[] = { [TY_TS_AVG] = "avg", [TY_TS_MAX] = "max", [TY_TS_MIN] = "min",
					     [TY_TS_SUM] = "sum" };
	const struct ty *arg = sema_int_arg(c, n, args[0]);
	int64_t interval, count, fold = TY_TS_LAST;
	if (!arg || !sema_arg_const(c, n, args[1], "the interval", &interval) ||
	    !sema_arg_const(c, n, args[2], "the number of intervals", &count))
		return ty_none();
	if (interval <= 0) {
		sema_err(c, n->span, "tseries() interval_ns must be >= 1 (%lld provided)", (long long)interval);
		return ty_none();
	}
	if (count <= 0 || count > 1000000) {
		sema_err(c, n->span, "tseries() num_intervals must be >= 1 and <= 1000000 (%lld provided)",
			 (long long)count);
		return ty_none();
	}
	if (nargs == 4) {
		if (args[3]->kind != AST_STRING) {
			sema_err(c, n->span, "tseries() expects a string literal as its fourth argument "
				 "(\"avg\", \"max\", \"min\" or \"sum\")");
			return ty_none();
		}
		fold = -1;
		for (int i = TY_TS_AVG; i <= TY_TS_SUM; i++)
			if (!strcmp(args[3]->str.s, folds[i]))
				fold = i;
		if (fold < 0) {
			sema_err(c, n->span, "tseries() expects one of \"avg\", \"max\", \"min\" or \"sum\" "
				 "as its fourth argument (\"%s\" provided)", args[3]->str.s);
			return ty_none();
		}
	}
	struct ty *t = ty_agg(c->a, TY_AGG_TSERIES, arg);
	t->lhist_step = interval;
	t->lhist_max = count;
	t->lhist_min = fold;
	return t;
}

/* printf's format against its arguments: the output module's own parser
 * decides, so what compiles is what prints. */
static const struct ty *check_format(struct checker *c, struct ast *n, struct ast **args, unsigned nargs)
{
	if (args[0]->kind != AST_STRING) {
		/* the whole call, as bpftrace underlines it */
		sema_err(c, n->span, "%s() expects a format string literal as its first argument", n->call.name);
		return NULL;
	}
	const struct ty *types[130];
	for (unsigned i = 1; i < nargs; i++)
		types[i - 1] = args[i]->type;
	struct fmt f;
	char err[256];
	fmt_parse(args[0]->str.s, &f);
	int bad = fmt_check(&f, types, nargs - 1, err, sizeof err);
	/* An aggregation's value is per CPU and not read in the kernel (HEAD reads
	 * count, sum, min, max and avg; not yet here): refused for every conversion. */
	for (unsigned i = 1; i < nargs && !bad; i++)
		if (types[i - 1]->kind == TY_AGG) {
			snprintf(err, sizeof err, "unsupported format specifier for type '%s': %s",
				 sema_tname(c, types[i - 1]), f.specs[i - 1].letters);
			bad = -1;
		}
	fmt_fini(&f);
	if (bad) {
		sema_err(c, n->span, "%s: %s", n->call.name, err);
		return NULL;
	}
	return ty_void();
}

static bool args_typed(struct checker *c, struct ast **args, unsigned from, unsigned nargs)
{
	bool ok = true;
	for (unsigned i = from; i < nargs; i++) {
		const struct ty *t = sema_expr(c, args[i]);
		if (sema_poisoned(t))
			ok = false;
		else if (t->kind == TY_VOID || t->kind == TY_MAP) {
			sema_err(c, args[i]->span, "a value of type '%s' cannot be printed", sema_tname(c, t));
			ok = false;
		} else if (t->kind == TY_AGG && args[i]->kind != AST_MAP) {
			sema_err(c, args[i]->span, "%s() must be assigned to a map before it can be printed",
				 args[i]->call.name);
			ok = false;
		}
	}
	return ok;
}

const struct ty *sema_check_printf(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	if (!args_typed(c, args, 1, nargs))
		return ty_none();
	const struct ty *r = check_format(c, n, args, nargs);
	return r ? r : ty_none();
}

/* system(fmt, ...): printf's arguments, and only with --unsafe (it runs a shell). */
const struct ty *sema_check_system(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	if (!c->ctx->unsafe) {
		sema_err(c, n->span, "system() is an unsafe function being used in safe mode");
		return ty_none();
	}
	return sema_check_printf(c, n, args, nargs, map);
}

static bool is_map_arg(struct checker *c, struct ast *a, const char *fn)
{
	if (a->kind != AST_MAP) {
		sema_err(c, a->span, "%s() expects a map argument", fn);
		return false;
	}
	return true;
}

static const struct ty *map_whole(struct checker *c, struct ast *a, const char *fn)
{
	if (!is_map_arg(c, a, fn))
		return NULL;
	if (a->map.keys) {
		sema_err(c, a->span, "%s() expects a whole map (%s), not one entry", fn, a->map.name);
		return NULL;
	}
	struct sema_map *sm = sema_map_find(c->s, a->map.name);
	if (!sm || !sm->value_known) {
		sema_err(c, a->span, "Undefined map: %s", a->map.name);
		return NULL;
	}
	sm->used_as_value = true;
	struct ty *t = ty_new(c->a, TY_MAP);
	t->elem = (struct ty *)sm->value;
	a->type = t;
	return t;
}

const struct ty *sema_check_print(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	struct ast *a = args[0];
	/* print(@m) of a map without a key prints it as a map ("@m: 5"), as bpftrace does */
	bool whole = a->kind == AST_MAP && !a->map.keys;
	if (whole) {
		if (!map_whole(c, a, "print"))
			return ty_none();
		int64_t v;
		for (unsigned i = 1; i < nargs; i++)
			if (!sema_arg_const(c, n, args[i], i == 1 ? "top" : "div", &v))
				return ty_none();
		return ty_void();
	}
	if (nargs > 1) {
		sema_err(c, n->span, "print(): top and div only apply to a whole map");
		return ty_none();
	}
	if (!args_typed(c, args, 0, 1))
		return ty_none();
	if (a->type && ((const struct ty *)a->type)->kind == TY_AGG) {
		/* HEAD's wording; its values are per CPU, summed only when the whole map prints */
		sema_err(c, n->span, "Map type %s cannot print the value of individual keys. You must print the whole map.",
			 sema_tname(c, a->type));
		return ty_none();
	}
	return ty_void();
}

const struct ty *sema_check_clear(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)nargs;
	(void)map;
	return map_whole(c, args[0], n->call.name) ? ty_void() : ty_none();
}

const struct ty *sema_check_delete(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)n;
	struct ast *m = args[0];
	if (!is_map_arg(c, m, "delete"))
		return ty_none();
	/* delete(@m, key), the current form, checks as @m[key] does */
	if (nargs == 2 && m->map.keys) {
		sema_err(c, m->span, "delete(@m, key) takes the map without a key");
		return ty_none();
	}
	struct sema_map *sm = sema_map_find(c->s, m->map.name);
	if (!sm || !sm->value_known) {
		sema_err(c, m->span, "Undefined map: %s", m->map.name);
		return ty_none();
	}
	if (!sema_map_keys(c, m, nargs == 2 ? args[1] : m->map.keys))
		return ty_none();
	m->type = (void *)sm->value;
	/* current bpftrace: true when the key was there and is gone */
	return ty_bool();
}

const struct ty *sema_check_has_key(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)nargs;
	(void)map;
	(void)n;
	struct ast *m = args[0];
	if (!is_map_arg(c, m, "has_key"))
		return ty_none();
	struct sema_map *sm = sema_map_find(c->s, m->map.name);
	if (!sm || !sm->key_known) {
		sema_err(c, m->span, "Undefined map: %s", m->map.name);
		return ty_none();
	}
	if (!sm->key) {
		sema_err(c, m->span, "call to has_key() expects a map with explicit keys (non-scalar map)");
		return ty_none();
	}
	if (!sema_map_keys(c, m, args[1]))
		return ty_none();
	m->type = (void *)sm->value;
	return ty_bool();
}

const struct ty *sema_check_exit(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	if (nargs) {
		const struct ty *t = sema_expr(c, args[0]);
		if (sema_poisoned(t))
			return ty_none();
		if (!ty_is_int(t)) {
			/* bpftrace HEAD's wording (0.17's exit() took no argument) */
			sema_err(c, n->span, "exit() only supports int arguments (%s provided)", sema_kname(c, t));
			return ty_none();
		}
	}
	return ty_void();
}

/* reg("name"): a register of the probed context (kprobe, uprobe, usdt). */
const struct ty *sema_check_reg(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	if (c->ptype != PROBE_KPROBE && c->ptype != PROBE_KRETPROBE && c->ptype != PROBE_UPROBE &&
	    c->ptype != PROBE_URETPROBE && c->ptype != PROBE_USDT) {
		sema_err(c, n->span, "reg() can only be used with kprobe, uprobe and usdt probes (%s used here)",
			 probetype_name(c->ptype));
		return ty_none();
	}
	if (args[0]->kind != AST_STRING) {
		sema_err(c, n->span, "reg() expects a string literal naming a register");
		return ty_none();
	}
	if (arch_reg_offset(arch_info(c->ctx->arch), args[0]->str.s) < 0) {
		sema_err(c, args[0]->span, "'%s' is not a register (%s)", args[0]->str.s,
			 c->ctx->arch == ARCH_ARM64 ? "arm64: r0..r30 (or x0..x30) fp lr sp pc pstate" :
			 "x86-64: ax bx cx dx si di bp sp ip pc r8..r15 orig_ax flags cs ss");
		return ty_none();
	}
	args[0]->type = (void *)ty_string(c->a, (uint32_t)strlen(args[0]->str.s) + 1);
	return ty_int(8, false);
}

/* unwatch(addr): stop every watchpoint on addr (bpftrace 0.17 to 0.24). */
const struct ty *sema_check_unwatch(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	const struct ty *t = sema_expr(c, args[0]);
	if (!sema_poisoned(t) && !ty_is_int(t) && t->kind != TY_PTR)
		sema_err(c, n->span, "unwatch() expects an address (an integer), got '%s'", sema_tname(c, t));
	return ty_void();
}

const struct ty *sema_check_time(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	if (nargs && args[0]->kind != AST_STRING) {
		sema_err(c, n->span, "%s() expects a format string literal", n->call.name);
		return ty_none();
	}
	if (nargs)
		sema_expr(c, args[0]);
	return ty_void();
}

const struct ty *sema_check_strftime(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	if (args[0]->kind != AST_STRING) {
		sema_err(c, n->span, "%s() expects a format string literal", n->call.name);
		return ty_none();
	}
	sema_expr(c, args[0]);
	if (!arg_int(c, args[1], "strftime", 1))
		return ty_none();
	struct ty *t = ty_new(c->a, TY_TIMESTAMP);
	t->size = 16;
	t->align = 8;
	return t;
}

/* str($N) and str($N + k): a positional parameter is a string literal here,
 * a number included, and adding k skips its first k bytes (bpftrace's
 * pointer arithmetic on the literal). The argument becomes that literal. */
static void positional_literal(struct checker *c, struct ast *a)
{
	struct ast *p = a;
	uint64_t skip = 0;
	if (a->kind == AST_BINARY && a->binary.op == AST_OP_ADD && a->binary.l->kind == AST_POSITIONAL &&
	    a->binary.r->kind == AST_INT) {
		p = a->binary.l;
		skip = a->binary.r->num.value;
	}
	if (p->kind != AST_POSITIONAL || p->pos.n < 1 || p->pos.n > (uint32_t)c->ctx->nparams)
		return;
	const char *v = c->ctx->params[p->pos.n - 1];
	size_t len = strlen(v);
	sema_param_fixed(c, p->pos.n);
	if (skip > len)
		skip = len;
	struct span at = a->span;
	struct ast *next = a->next;
	*a = (struct ast){ .kind = AST_STRING, .span = at, .next = next };
	a->str.s = v + skip;
	a->str.len = (uint32_t)(len - skip);
}

/* Where a function takes a string literal (kaddr, uaddr, pton), str($N) is
 * one: bpftrace 0.17 and HEAD both take kaddr(str($1)) with `vfs_read` as
 * the parameter. The call becomes the literal. */
void sema_literal_arg(struct checker *c, struct ast *a)
{
	if (a->kind != AST_CALL || strcmp(a->call.name, "str") || !a->call.args || a->call.args->next)
		return;
	struct ast *p = a->call.args;
	positional_literal(c, p);
	if (p->kind != AST_STRING)
		return;
	struct span at = a->span;
	struct ast *next = a->next;
	*a = *p;
	a->span = at;
	a->next = next;
}

const struct ty *sema_check_str(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)n;
	positional_literal(c, args[0]);
	const struct ty *t = sema_expr(c, args[0]);
	if (sema_poisoned(t))
		return ty_none();
	uint32_t cap = c->s->max_strlen;
	if (nargs == 2) {
		int64_t len;
		struct ast *l = args[1];
		if (l->kind == AST_INT || l->kind == AST_POSITIONAL ||
		    (l->kind == AST_UNARY && l->unary.op == AST_OP_NEG && l->unary.e->kind == AST_INT)) {
			if (!sema_arg_const(c, n, args[1], "the length", &len))
				return ty_none();
			/* HEAD's wording for both */
			if (len < 0) {
				sema_err(c, n->span, "str() cannot use negative length (%lld)", (long long)len);
				return ty_none();
			}
			if ((uint64_t)len + 1 > cap)
				sema_warn(c, n->span, "length param (%lld) is too long and will be shortened to %u bytes "
					  "(see BPFTRACE_MAX_STRLEN)", (long long)len, cap);
			else
				cap = (uint32_t)len + 1;
		} else if (!arg_int(c, args[1], "str", 1)) {
			return ty_none();
		}
	}
	if (t->kind == TY_STRING)
		return t->size < cap ? t : ty_string(c->a, cap);
	if (!ty_is_int(t) && t->kind != TY_PTR) {
		sema_err(c, n->span, "str() expects an integer or a pointer type as first argument (%s provided)",
			 sema_kname(c, t));
		return ty_none();
	}
	struct ty *s = ty_string(c->a, cap);
	s->as = t->kind == TY_PTR ? t->as : TY_AS_NONE;
	return s;
}

static const struct ty *str_arg(struct checker *c, struct ast *n, struct ast *a)
{
	const struct ty *t = sema_expr(c, a);
	if (sema_poisoned(t))
		return NULL;
	if (t->kind != TY_STRING) {
		sema_err(c, n->span, "%s() only supports string arguments (%s provided)", n->call.name,
			 sema_kname(c, t));
		return NULL;
	}
	return t;
}

const struct ty *sema_check_strncmp(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	(void)n;
	int64_t len;
	if (!str_arg(c, n, args[0]) || !str_arg(c, n, args[1]) ||
	    !sema_arg_const(c, n, args[2], "the length", &len))
		return ty_none();
	return ty_int(8, true);
}

const struct ty *sema_check_strcontains(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	(void)n;
	if (!str_arg(c, n, args[0]) || !str_arg(c, n, args[1]))
		return ty_none();
	return ty_bool();
}

/* join(argv [, sep]): a pointer to NULL-terminated string pointers. */
const struct ty *sema_check_join(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	const struct ty *t = sema_expr(c, args[0]);
	if (sema_poisoned(t))
		return ty_none();
	if (t->kind != TY_PTR && !ty_is_int(t)) {
		sema_err(c, args[0]->span, "join() expects a pointer to an array of strings, got '%s'", sema_tname(c, t));
		return ty_none();
	}
	if (nargs == 2 && args[1]->kind != AST_STRING) {
		sema_err(c, args[1]->span, "join() expects its separator as a string literal");
		return ty_none();
	}
	if (nargs == 2)
		sema_expr(c, args[1]);
	(void)n;
	return ty_void();
}

