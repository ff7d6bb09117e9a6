/* sema_call: the builtin and function tables and their checkers. */
#include <stdlib.h>
#include <string.h>

#include "ast/cdefs.h"
#include "ast/sema_impl.h"
#include "output/output.h"

#define PT(x) (1u << PROBE_##x)
#define P_ARGS (PT(TRACEPOINT) | PT(RAWTRACEPOINT) | PT(FENTRY) | PT(FEXIT) | PT(UPROBE) | PT(URETPROBE) | PT(ITER))
#define P_REGS (PT(KPROBE) | PT(UPROBE) | PT(USDT) | PT(RAWTRACEPOINT))
#define P_RET (PT(KRETPROBE) | PT(URETPROBE) | PT(FEXIT))
#define P_ALL (~0u)

/* ---- builtins: value-like names (reference 1.4) ---- */

enum bt_type { BT_U32, BT_U64, BT_I64, BT_COMM, BT_USERNAME, BT_PROBE, BT_FUNC, BT_ARGS,
	       BT_CURTASK, BT_ARGN, BT_KSTACK, BT_CPID, BT_HAS_CPID, BT_CTX, BT_UNSUPPORTED };

struct builtin {
	const char *name;
	enum bt_type type;
	unsigned probes;          /* probe types it may be used in */
	const char *where;        /* the error's wording for those probe types */
};

static const struct builtin builtins[] = {
	{ "pid", BT_U32, P_ALL, NULL },
	{ "tid", BT_U32, P_ALL, NULL },
	{ "uid", BT_U64, P_ALL, NULL },
	{ "gid", BT_U64, P_ALL, NULL },
	{ "comm", BT_COMM, P_ALL, NULL },
	{ "nsecs", BT_U64, P_ALL, NULL },
	{ "elapsed", BT_U64, P_ALL, NULL },
	{ "cpu", BT_U32, P_ALL, NULL },
	{ "ncpus", BT_U64, P_ALL, NULL },
	{ "rand", BT_U32, P_ALL, NULL },
	{ "cgroup", BT_U64, P_ALL, NULL },
	{ "jiffies", BT_U64, P_ALL, NULL },
	{ "username", BT_USERNAME, P_ALL, NULL },
	{ "probe", BT_PROBE, P_ALL, NULL },
	{ "func", BT_FUNC, P_ALL, NULL },
	{ "curtask", BT_CURTASK, P_ALL, NULL },
	{ "args", BT_ARGS, P_ARGS, "tracepoint, rawtracepoint, fentry/fexit, uprobe and iter" },
	{ "retval", BT_I64, P_RET, "kretprobe, uretprobe and fexit" },
	{ "ctx", BT_CTX, P_ALL, NULL },
	{ "cpid", BT_CPID, P_ALL, NULL },
	{ "kstack", BT_KSTACK, P_ALL, NULL },
	{ "ustack", BT_UNSUPPORTED, P_ALL, NULL },
	{ "numaid", BT_UNSUPPORTED, P_ALL, NULL },
	{ "probetype", BT_UNSUPPORTED, P_ALL, NULL },
	{ "usermode", BT_UNSUPPORTED, P_ALL, NULL },
	{ "pcomm", BT_UNSUPPORTED, P_ALL, NULL },
	{ "ppid", BT_UNSUPPORTED, P_ALL, NULL },
	{ "leader_comm", BT_UNSUPPORTED, P_ALL, NULL },
	{ "leader_tid", BT_UNSUPPORTED, P_ALL, NULL },
	{ "has_cpid", BT_HAS_CPID, P_ALL, NULL },
};

static uint32_t max_name_len(struct checker *c, bool func)
{
	size_t m = 1;
	for (unsigned i = c->exp_lo; i < c->exp_hi; i++) {
		const char *s = func ? c->s->exp[i].func : c->s->exp[i].name;
		if (s && strlen(s) > m)
			m = strlen(s);
	}
	return (uint32_t)m + 1;
}

/* A stack's mode when the call names none: stack_mode (BPFTRACE_STACK_MODE),
 * bpftrace's own by default; build_id is for user stacks. */
static uint8_t sema_stack_mode(struct checker *c)
{
	uint64_t mode = c->ctx->cfg ? cfg_u(c->ctx->cfg, CFG_STACK_MODE) : CFG_STACK_BPFTRACE;
	return (uint8_t)(mode == CFG_STACK_BUILD_ID ? CFG_STACK_BPFTRACE : mode);
}

const struct ty *sema_builtin(struct checker *c, struct ast *n)
{
	const char *name = n->ident.name;
	const struct builtin *b = NULL;
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (!strcmp(builtins[i].name, name))
			b = &builtins[i];
	if (!b && (!strncmp(name, "arg", 3) || !strncmp(name, "sarg", 4))) {
		if (name[0] == 's') {
			sema_err(c, n->span, "the %s builtin was removed from bpftrace (0.25); read the stack through a pointer instead", name);
			return ty_none();
		}
		if (!(P_REGS & (1u << c->ptype))) {
			sema_err(c, n->span, "The %s builtin can only be used with kprobe, uprobe, usdt and rawtracepoint probes (%s used here)",
				 name, probetype_name(c->ptype));
			return ty_none();
		}
		/* usdt operands carry their sign: bpftrace types them int64 */
		return ty_int(8, c->ptype == PROBE_USDT);
	}
	if (!b) {
		sema_err(c, n->span, "Unknown builtin: %s", name);
		return ty_none();
	}
	if (!(b->probes & (1u << c->ptype))) {
		sema_err(c, n->span, "The %s builtin can only be used with %s probes (%s used here)",
			 name, b->where, probetype_name(c->ptype));
		return ty_none();
	}
	switch (b->type) {
	case BT_U32: return ty_int(4, false);
	case BT_U64: return ty_int(8, false);
	case BT_I64: return ty_int(8, true);
	case BT_COMM: return ty_string(c->a, 16);
	case BT_USERNAME: {
		struct ty *t = ty_new(c->a, TY_USERNAME);
		t->size = t->align = 8;
		return t;
	}
	case BT_PROBE: return ty_string(c->a, max_name_len(c, false));
	case BT_FUNC: return ty_string(c->a, max_name_len(c, true));
	case BT_ARGS:
		if (!c->exp->args && c->ptype == PROBE_UPROBE) {
			/* from DWARF, for every function the probe attaches to */
			for (unsigned i = c->exp_lo; i < c->exp_hi; i++) {
				struct sema_expansion *e = &c->s->exp[i];
				if (!e->args && e->target && e->func)
					e->args = sema_dwarf_args(c->a, e->target, e->func, 0);
			}
			if (!c->exp->args) {
				sema_err(c, n->span, "args: no DWARF describes %s in %s (built without -g?)",
					 c->exp->func, c->exp->target);
				return ty_none();
			}
		}
		if (!c->exp->args) {
			sema_err(c, n->span, "args is not available for %s probes yet", probetype_name(c->ptype));
			return ty_none();
		}
		if (c->ptype == PROBE_TRACEPOINT)
			return sema_tp_args_value(c);
		return ty_ptr(c->a, c->exp->args, TY_AS_KERNEL);
	case BT_CURTASK: {
		/* A struct task_struct * when the kernel has BTF, else the address. */
		const struct ty *task = cdefs_record(c->ctx->cdefs, "task_struct", false);
		return task ? ty_ptr(c->a, task, TY_AS_KERNEL) : ty_int(8, false);
	}
	case BT_KSTACK: {
		/* bpftrace's default: 127 frames, printed in its own mode */
		struct ty *t = ty_new(c->a, TY_STACK);
		t->stack_limit = 127;
		t->stack_mode = sema_stack_mode(c);
		return t;
	}
	case BT_ARGN:
		return ty_int(8, false);
	case BT_CPID:
		/* the -c child's pid, set at load (HEAD's type: u64) */
		if (!c->ctx->child) {
			sema_err(c, n->span, "cpid cannot be used without child command");
			return ty_none();
		}
		return ty_int(8, false);
	case BT_HAS_CPID:
		return ty_bool();
	case BT_CTX:
		/* an iterator's context is its record (ctx->task, ctx.task) */
		if (c->ptype == PROBE_ITER && c->exp->args)
			return ty_ptr(c->a, c->exp->args, TY_AS_KERNEL);
		return ty_int(8, false);
	case BT_UNSUPPORTED:
		break;
	}
	sema_err(c, n->span, "the %s builtin is not supported yet", name);
	return ty_none();
}

/* ---- functions ---- */

struct fn {
	const char *name;
	unsigned min, max;        /* argument counts */
	const struct ty *(*check)(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map);
	bool agg;                 /* an aggregation: only as `@m[...] = f(...)` */
};

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
static bool arg_const(struct checker *c, struct ast *n, struct ast *a, const char *what, int64_t *out)
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

/* The value an aggregation takes: an integer (bpftrace's wording, on the call). */
static const struct ty *agg_value(struct checker *c, struct ast *n, struct ast *a)
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
	if (nargs && !(arg = agg_value(c, n, args[0])))
		return ty_none();
	return ty_agg(c->a, agg, arg ? arg : ty_int(8, false));
}

#define AGG_FN(fname, agg) \
	static const struct ty *fname(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map) \
	{ (void)map; return agg1(c, n, args, nargs, agg); }
AGG_FN(fn_count, TY_AGG_COUNT)
AGG_FN(fn_sum, TY_AGG_SUM)
AGG_FN(fn_avg, TY_AGG_AVG)
AGG_FN(fn_min, TY_AGG_MIN)
AGG_FN(fn_max, TY_AGG_MAX)
AGG_FN(fn_stats, TY_AGG_STATS)

static const struct ty *fn_hist(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	const struct ty *arg = agg_value(c, n, args[0]);
	int64_t k = 0;
	if (!arg || (nargs == 2 && !arg_const(c, n, args[1], "the number of bits", &k)))
		return ty_none();
	if (k < 0 || k > 5) {
		sema_err(c, n->span, "hist: bits %lld must be 0..5", (long long)k);   /* HEAD's wording */
		return ty_none();
	}
	struct ty *t = ty_agg(c->a, TY_AGG_HIST, arg);
	t->hist_bits = (uint32_t)k;
	return t;
}

static const struct ty *fn_lhist(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	const struct ty *arg = agg_value(c, n, args[0]);
	int64_t lo, hi, step;
	if (!arg || !arg_const(c, n, args[1], "min", &lo) || !arg_const(c, n, args[2], "max", &hi) ||
	    !arg_const(c, n, args[3], "step", &step))
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
	struct out_fmt f;
	char err[256];
	out_fmt_parse(args[0]->str.s, &f);
	int bad = out_fmt_check(&f, types, nargs - 1, err, sizeof err);
	/* An aggregation's value is per CPU and not read in the kernel (HEAD reads
	 * count, sum, min, max and avg; not yet here): refused for every conversion. */
	for (unsigned i = 1; i < nargs && !bad; i++)
		if (types[i - 1]->kind == TY_AGG) {
			snprintf(err, sizeof err, "unsupported format specifier for type '%s': %s",
				 sema_tname(c, types[i - 1]), f.specs[i - 1].letters);
			bad = -1;
		}
	out_fmt_fini(&f);
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

static const struct ty *fn_printf(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	if (!args_typed(c, args, 1, nargs))
		return ty_none();
	const struct ty *r = check_format(c, n, args, nargs);
	return r ? r : ty_none();
}

/* system(fmt, ...): printf's arguments, and only with --unsafe (it runs a shell). */
static const struct ty *fn_system(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	if (!c->ctx->unsafe) {
		sema_err(c, n->span, "system() is an unsafe function being used in safe mode");
		return ty_none();
	}
	return fn_printf(c, n, args, nargs, map);
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

static const struct ty *fn_print(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	struct ast *a = args[0];
	struct sema_map *sm = a->kind == AST_MAP ? sema_map_find(c->s, a->map.name) : NULL;
	bool whole = a->kind == AST_MAP && !a->map.keys && (!sm || sm->key || (sm->value && sm->value->kind == TY_AGG));
	if (whole) {
		if (!map_whole(c, a, "print"))
			return ty_none();
		int64_t v;
		for (unsigned i = 1; i < nargs; i++)
			if (!arg_const(c, n, args[i], i == 1 ? "top" : "div", &v))
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

static const struct ty *fn_clear(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)nargs;
	(void)map;
	return map_whole(c, args[0], n->call.name) ? ty_void() : ty_none();
}

static const struct ty *fn_delete(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
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
	return ty_void();
}

static const struct ty *fn_has_key(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
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
		sema_err(c, m->span, "has_key() needs a map with keys; %s is a scalar map", m->map.name);
		return ty_none();
	}
	if (!sema_map_keys(c, m, args[1]))
		return ty_none();
	m->type = (void *)sm->value;
	return ty_bool();
}

static const struct ty *fn_exit(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
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

static const struct ty *fn_time(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
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

static const struct ty *fn_strftime(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
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

static const struct ty *fn_str(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)n;
	const struct ty *t = sema_expr(c, args[0]);
	if (sema_poisoned(t))
		return ty_none();
	uint32_t cap = c->s->max_strlen;
	if (nargs == 2) {
		int64_t len;
		struct ast *l = args[1];
		if (l->kind == AST_INT || l->kind == AST_POSITIONAL ||
		    (l->kind == AST_UNARY && l->unary.op == AST_OP_NEG && l->unary.e->kind == AST_INT)) {
			if (!arg_const(c, n, args[1], "the length", &len))
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

static const struct ty *fn_strncmp(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	(void)n;
	int64_t len;
	if (!str_arg(c, n, args[0]) || !str_arg(c, n, args[1]) ||
	    !arg_const(c, n, args[2], "the length", &len))
		return ty_none();
	return ty_int(8, true);
}

static const struct ty *fn_strcontains(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)map;
	(void)nargs;
	(void)n;
	if (!str_arg(c, n, args[0]) || !str_arg(c, n, args[1]))
		return ty_none();
	return ty_bool();
}

/* join(argv [, sep]): a pointer to NULL-terminated string pointers. */
static const struct ty *fn_join(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
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

static const struct ty *fn_unsupported(struct checker *c, struct ast *n, struct ast **args, unsigned nargs, struct ast *map)
{
	(void)args;
	(void)nargs;
	(void)map;
	sema_err(c, n->span, "%s() is not supported yet", n->call.name);
	return ty_none();
}

static const struct fn fns[] = {
	{ "count", 0, 0, fn_count, true },
	{ "sum", 1, 1, fn_sum, true },
	{ "avg", 1, 1, fn_avg, true },
	{ "min", 1, 1, fn_min, true },
	{ "max", 1, 1, fn_max, true },
	{ "stats", 1, 1, fn_stats, true },
	{ "hist", 1, 2, fn_hist, true },
	{ "lhist", 4, 4, fn_lhist, true },
	{ "printf", 1, 128, fn_printf, false },
	{ "print", 1, 3, fn_print, false },
	{ "clear", 1, 1, fn_clear, false },
	{ "zero", 1, 1, fn_clear, false },
	{ "delete", 1, 2, fn_delete, false },
	{ "has_key", 2, 2, fn_has_key, false },
	{ "exit", 0, 1, fn_exit, false },
	{ "time", 0, 1, fn_time, false },
	{ "strftime", 2, 2, fn_strftime, false },
	{ "str", 1, 2, fn_str, false },
	{ "strncmp", 3, 3, fn_strncmp, false },
	{ "strcontains", 2, 2, fn_strcontains, false },
	/* Known to bpftrace, arriving with later issues: a precise error meanwhile. */
	{ "len", 1, 1, fn_unsupported, false },
	{ "join", 1, 2, fn_join, false },
	{ "cat", 1, 128, fn_printf, false },
	{ "system", 1, 128, fn_system, false },
	{ "ksym", 1, 1, fn_unsupported, false },
	{ "usym", 1, 1, fn_unsupported, false },
	{ "kaddr", 1, 1, fn_unsupported, false },
	{ "uaddr", 1, 1, fn_unsupported, false },
	{ "ntop", 1, 2, fn_unsupported, false },
	{ "pton", 1, 1, fn_unsupported, false },
	{ "buf", 1, 2, fn_unsupported, false },
	{ "reg", 1, 1, fn_unsupported, false },
	{ "signal", 1, 1, fn_unsupported, false },
	{ "override", 1, 1, fn_unsupported, false },
	{ "cgroupid", 1, 1, fn_unsupported, false },
	{ "cgroup_path", 1, 2, fn_unsupported, false },
	{ "macaddr", 1, 1, fn_unsupported, false },
	{ "bswap", 1, 1, fn_unsupported, false },
	{ "kptr", 1, 1, fn_unsupported, false },
	{ "uptr", 1, 1, fn_unsupported, false },
	{ "path", 1, 2, fn_unsupported, false },
	{ "strerror", 1, 1, fn_unsupported, false },
	{ "errorf", 1, 128, fn_unsupported, false },
	{ "warnf", 1, 128, fn_unsupported, false },
	{ "debugf", 1, 128, fn_unsupported, false },
	{ "unwatch", 1, 1, fn_unsupported, false },
	{ "skboutput", 4, 4, fn_unsupported, false },
	{ "socket_cookie", 1, 1, fn_unsupported, false },
	{ "percpu_kaddr", 1, 2, fn_unsupported, false },
	{ "getopt", 1, 3, fn_unsupported, false },
	{ "find", 3, 3, fn_unsupported, false },
	{ "tseries", 3, 4, fn_unsupported, false },
};

/* kstack(mode), kstack(limit), kstack(mode, limit): mode bpftrace, perf or raw. */
static const struct ty *kstack_call(struct checker *c, struct ast *n)
{
	static const char *const modes[] = { "bpftrace", "perf", "raw" };
	struct ty *t = ty_new(c->a, TY_STACK);
	t->stack_limit = 127;
	t->stack_mode = sema_stack_mode(c);
	unsigned i = 0;
	for (struct ast *a = n->call.args; a; a = a->next, i++) {
		if (i == 0 && a->kind == AST_IDENT) {
			unsigned m = 0;
			while (m < 3 && strcmp(modes[m], a->ident.name))
				m++;
			if (m == 3) {
				sema_err(c, a->span, "kstack: unknown stack mode '%s' (expected bpftrace, perf or raw)",
					 a->ident.name);
				return ty_none();
			}
			t->stack_mode = (uint8_t)m;
			continue;
		}
		int64_t limit;
		if (i > 1 || !arg_const(c, n, a, "the frame limit", &limit))
			return i > 1 ? (sema_err(c, n->span, "kstack() takes a mode and a limit at most"), ty_none())
				     : ty_none();
		if (limit < 1 || limit > 127) {
			sema_err(c, a->span, "kstack: the frame limit must be between 1 and 127");
			return ty_none();
		}
		t->stack_limit = (uint32_t)limit;
	}
	return t;
}

const struct ty *sema_call(struct checker *c, struct ast *n, struct ast *map)
{
	const struct fn *f = NULL;
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
		if (!strcmp(fns[i].name, n->call.name))
			f = &fns[i];
	if (!f) {
		/* A builtin in call form, pid() (HEAD): the builtin itself. */
		for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
			if (strcmp(builtins[i].name, n->call.name))
				continue;
			if (!strcmp(n->call.name, "kstack"))
				return kstack_call(c, n);
			if (n->call.args) {
				/* pid(init), nsecs(monotonic), comm(pid): HEAD modes, not here yet */
				sema_err(c, n->span, "%s() requires no arguments (%u provided)", n->call.name,
					 ast_list_len(n->call.args));
				return ty_none();
			}
			struct ast b = *n;
			b.kind = AST_BUILTIN;
			b.ident.name = n->call.name;
			return sema_builtin(c, &b);
		}
		const struct ty *m = sema_macro_call(c, n);
		if (m)
			return m;
		sema_err(c, n->span, "Unknown function: %s", n->call.name);
		return ty_none();
	}
	struct ast *args[130];
	unsigned nargs = 0;
	for (struct ast *a = n->call.args; a && nargs < 130; a = a->next)
		args[nargs++] = a;
	if (nargs < f->min || nargs > f->max) {
		/* bpftrace's check_nargs() and check_varargs() wording */
		unsigned k = nargs < f->min ? f->min : f->max;
		const char *how = f->min == f->max || k == 0 ? "requires" :
				  nargs < f->min ? "requires at least" : "takes up to";
		if (k == 0)
			sema_err(c, n->span, "%s() requires no arguments (%u provided)", f->name, nargs);
		else if (k == 1)
			sema_err(c, n->span, "%s() %s one argument (%u provided)", f->name, how, nargs);
		else
			sema_err(c, n->span, "%s() %s %u arguments (%u provided)", f->name, how, k, nargs);
		return ty_none();
	}
	if (f->agg && !map) {
		sema_err(c, n->span, "%s() should be directly assigned to a map", f->name);
		return ty_none();
	}
	return f->check(c, n, args, nargs, map);
}
