/* sema_builtin: resolving calls and builtin names to their row of builtin.def, and the
 * checkers of the value builtins (pid, comm, args, kstack, ...). */
#include <stdlib.h>
#include <string.h>

#include "ast/cdefs.h"
#include "ast/sema_impl.h"

typedef const struct ty *(*check_fn)(struct checker *c, struct ast *n, struct ast **args,
				     unsigned nargs, struct ast *map);

static const check_fn checkers[BI__COUNT] = {
#define BI(id, name, form, min, max, probes, result, check, emit) [BI_##id] = sema_check_##check,
#include "common/builtin.def"
#undef BI
};

/* The error's wording for a row's probe types (bpftrace's lists). */
static const char *probes_where(uint32_t probes)
{
	if (probes == BI_P_ARGS)
		return "tracepoint, rawtracepoint, fentry/fexit, uprobe and iter";
	if (probes == BI_P_RET)
		return "kretprobe, uretprobe and fexit";
	return "other";
}

static bool probe_ok(struct checker *c, struct ast *n, const struct bi_info *b)
{
	if (b->probes & (1u << c->ptype))
		return true;
	sema_err(c, n->span, "The %s builtin can only be used with %s probes (%s used here)", b->name,
		 probes_where(b->probes), probetype_name(c->ptype));
	return false;
}

const struct ty *sema_builtin(struct checker *c, struct ast *n)
{
	enum bi_id id = bi_lookup_value(n->ident.name);
	if (!id) {
		sema_err(c, n->span, "Unknown builtin: %s", n->ident.name);
		return ty_none();
	}
	n->ident.bi = (uint16_t)id;
	if (!probe_ok(c, n, bi_info(id)))
		return ty_none();
	return checkers[id](c, n, NULL, 0, NULL);
}

const struct ty *sema_call(struct checker *c, struct ast *n, struct ast *map)
{
	enum bi_id id = bi_lookup_call(n->call.name);
	if (!id) {
		const struct ty *m = sema_macro_call(c, n);
		if (m)
			return m;
		sema_err(c, n->span, "Unknown function: %s", n->call.name);
		return ty_none();
	}
	n->call.bi = (uint16_t)id;
	const struct bi_info *b = bi_info(id);
	struct ast *args[130];
	unsigned nargs = 0;
	for (struct ast *a = n->call.args; a && nargs < 130; a = a->next)
		args[nargs++] = a;
	if (nargs < b->min || nargs > b->max) {
		/* bpftrace's check_nargs() and check_varargs() wording */
		unsigned k = nargs < b->min ? b->min : b->max;
		const char *how = b->min == b->max || k == 0 ? "requires" :
				  nargs < b->min ? "requires at least" : "takes up to";
		if (k == 0)
			sema_err(c, n->span, "%s() requires no arguments (%u provided)", b->name, nargs);
		else if (k == 1)
			sema_err(c, n->span, "%s() %s one argument (%u provided)", b->name, how, nargs);
		else
			sema_err(c, n->span, "%s() %s %u arguments (%u provided)", b->name, how, k, nargs);
		return ty_none();
	}
	if (b->form == BI_FORM_AGG && !map) {
		sema_err(c, n->span, "%s() should be directly assigned to a map", b->name);
		return ty_none();
	}
	if (!probe_ok(c, n, b))
		return ty_none();
	return checkers[id](c, n, args, nargs, map);
}

/* ---- value builtins ---- */

/* The name as written: a bare builtin or its call form, pid(). */
static const char *use_name(const struct ast *n)
{
	return n->kind == AST_CALL ? n->call.name : n->ident.name;
}

static enum bi_id use_id(const struct ast *n)
{
	return (enum bi_id)(n->kind == AST_CALL ? n->call.bi : n->ident.bi);
}

/* A builtin whose type is its row's result column. */
const struct ty *sema_check_plain(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)c, (void)args, (void)nargs, (void)map;
	switch (bi_info(use_id(n))->result) {
	case BI_RES_U32: return ty_int(4, false);
	case BI_RES_U64: return ty_int(8, false);
	case BI_RES_I64: return ty_int(8, true);
	case BI_RES_BOOL: return ty_bool();
	case BI_RES_VOID: return ty_void();
	case BI_RES_ANY: break;
	}
	sema_err(c, n->span, "internal: %s has no fixed type", use_name(n));
	return ty_none();
}

const struct ty *sema_check_username(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				     struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	struct ty *t = ty_new(c->a, TY_USERNAME);
	t->size = t->align = 8;
	return t;
}

const struct ty *sema_check_comm(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	return ty_string(c->a, 16);
}

/* probe and func: strings as long as the longest name among the probe's expansions. */
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

const struct ty *sema_check_probe(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	return ty_string(c->a, max_name_len(c, false));
}

const struct ty *sema_check_func(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	return ty_string(c->a, max_name_len(c, true));
}

/* A struct task_struct * when the kernel has BTF, else the address. */
const struct ty *sema_check_curtask(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				    struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	const struct ty *task = cdefs_record(c->ctx->cdefs, "task_struct", false);
	return task ? ty_ptr(c->a, task, TY_AS_KERNEL) : ty_int(8, false);
}

/* ppid, pcomm, leader_tid, leader_comm, bare or given a task: current
 * bpftrace's names for fields two pointers away. The node becomes the field
 * access (task->real_parent->pid), checked as if written so; later rounds
 * and codegen see only the access. */
const struct ty *sema_check_task_field(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				       struct ast *map)
{
	(void)map;
	static const struct { enum bi_id id; const char *link, *field; } rows[] = {
		{ BI_PPID, "real_parent", "pid" },
		{ BI_PCOMM, "real_parent", "comm" },
		{ BI_LEADER_TID, "group_leader", "pid" },
		{ BI_LEADER_COMM, "group_leader", "comm" },
	};
	enum bi_id id = use_id(n);
	unsigned i = 0;
	while (rows[i].id != id)
		i++;
	struct ast *task = nargs ? args[0] : ast_builtin(c->a, n->span, "curtask");
	task->next = NULL;
	struct ast *link = ast_field(c->a, n->span, task, rows[i].link, true);
	struct ast *next = n->next;
	*n = *ast_field(c->a, n->span, link, rows[i].field, true);
	n->next = next;
	return sema_expr(c, n);
}

/* A uprobe's args as a whole value (print(args), @[args], $a = args): a
 * record of the arguments' values, laid out as a C struct, as current
 * bpftrace gives it; args.f alone reads one register. */
static const struct ty *uprobe_args_value(struct checker *c, struct ast *n)
{
	const struct ty *full = c->exp->args;
	for (unsigned i = c->exp_lo; i < c->exp_hi; i++)
		if (c->s->exp[i].args && !ty_equal(c->s->exp[i].args, full)) {
			sema_err(c, n->span, "args as a whole value needs one argument list, and %s and %s "
				 "differ: use its fields, or one probe per function", c->s->exp[c->exp_lo].name,
				 c->s->exp[i].name);
			return ty_none();
		}
	if (full->count > 64) {
		sema_err(c, n->span, "args has more than 64 arguments");
		return ty_none();
	}
	const struct ty *el[64];
	for (unsigned i = 0; i < full->count; i++)
		el[i] = full->fields[i].type;
	const struct ty *tu = ty_tuple(c->a, el, full->count);
	struct ty *r = ty_new(c->a, TY_RECORD);
	*r = *tu;
	r->kind = TY_RECORD;
	r->name = NULL;
	r->fields = arena_alloc(c->a, (full->count ? full->count : 1) * sizeof(*r->fields));
	for (unsigned i = 0; i < full->count; i++) {
		r->fields[i] = tu->fields[i];
		r->fields[i].name = full->fields[i].name;
	}
	return r;
}

const struct ty *sema_check_args(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)args, (void)nargs, (void)map;
	if (!c->exp->args && c->ptype == PROBE_TRACEPOINT) {
		/* the format files, read only for a block that reads args
		 * (expand.c): a wildcard's other blocks read none, and each
		 * read waits for the kernel's event_mutex, which another run's
		 * perf-event teardown can hold for seconds */
		for (unsigned i = c->exp_lo; i < c->exp_hi; i++) {
			struct sema_expansion *e = &c->s->exp[i];
			if (!e->args && e->type == PROBE_TRACEPOINT && e->target && e->func)
				e->args = tp_format_load(c->a, e->target, e->func, c->d);
		}
		if (!c->exp->args) {
			sema_err(c, n->span, "args: cannot read the format of tracepoint %s:%s",
				 c->exp->target ? c->exp->target : "", c->exp->func ? c->exp->func : "");
			return ty_none();
		}
	}
	if (!c->exp->args && c->ptype == PROBE_UPROBE) {
		/* from DWARF, for every function the probe attaches to */
		for (unsigned i = c->exp_lo; i < c->exp_hi; i++) {
			struct sema_expansion *e = &c->s->exp[i];
			if (!e->args && e->target && e->func)
				e->args = sema_dwarf_args(c->a, e->target, e->func, 0, c->ctx->arch);
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
		return sema_tp_args_value(c, n);
	if (c->ptype == PROBE_UPROBE && n != c->field_base)
		return uprobe_args_value(c, n);
	return ty_ptr(c->a, c->exp->args, TY_AS_KERNEL);
}

/* An iterator's context is its record (ctx->task, ctx.task). */
const struct ty *sema_check_ctx(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	if (c->ptype == PROBE_ITER && c->exp->args)
		return ty_ptr(c->a, c->exp->args, TY_AS_KERNEL);
	return ty_int(8, false);
}

/* retval: fexit's is typed from the function's BTF prototype (it rides
 * after the arguments in the args record); elsewhere a 64-bit register. */
const struct ty *sema_check_retval(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				   struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	const struct ty *a = c->exp->args;
	if (c->ptype == PROBE_FEXIT && a && a->fields && a->fields[a->count].type) {
		const struct ty *t = a->fields[a->count].type;
		if (t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PTR)
			return t;
	}
	return ty_int(8, true);
}

/* The -c child's pid, set at load (HEAD's type: u64). */
const struct ty *sema_check_cpid(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)args, (void)nargs, (void)map;
	if (!c->ctx->child) {
		sema_err(c, n->span, "cpid cannot be used without child command");
		return ty_none();
	}
	return ty_int(8, false);
}

#define P_REGS (BI_PT(KPROBE) | BI_PT(UPROBE) | BI_PT(USDT) | BI_PT(RAWTRACEPOINT))

const struct ty *sema_check_argn(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)args, (void)nargs, (void)map;
	if (!(P_REGS & (1u << c->ptype))) {
		sema_err(c, n->span, "The %s builtin can only be used with kprobe, uprobe, usdt and rawtracepoint probes (%s used here)",
			 use_name(n), probetype_name(c->ptype));
		return ty_none();
	}
	/* usdt operands carry their sign: bpftrace types them int64 */
	return ty_int(8, c->ptype == PROBE_USDT);
}

const struct ty *sema_check_sargn(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)args, (void)nargs, (void)map;
	/* bpftrace 0.17's: the stack slots of a function's entry (HEAD removed
	 * it in 0.25; 0.17 scripts still use it). */
	if (c->ptype != PROBE_KPROBE && c->ptype != PROBE_UPROBE) {
		sema_err(c, n->span, "The %s builtin can only be used with kprobe and uprobe probes (%s used here)",
			 use_name(n), probetype_name(c->ptype));
		return ty_none();
	}
	return ty_int(8, false);
}

/* A stack's mode when the call names none: stack_mode (BPFTRACE_STACK_MODE),
 * bpftrace's own by default; build_id is for user stacks. */
static uint8_t stack_mode(struct checker *c, bool user)
{
	uint64_t mode = c->ctx->cfg ? cfg_u(c->ctx->cfg, CFG_STACK_MODE) : CFG_STACK_BPFTRACE;
	return (uint8_t)(mode == CFG_STACK_BUILD_ID && !user ? CFG_STACK_BPFTRACE : mode);
}

/* kstack, kstack(mode), kstack(limit), kstack(mode, limit): mode bpftrace,
 * perf or raw; bpftrace's default is 127 frames in its own mode. ustack
 * takes the same arguments; the runtime symbolises its frames through the
 * pid the value carries. */
const struct ty *sema_check_kstack(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				   struct ast *map)
{
	(void)map;
	/* build_id (user stacks): each frame as its object's build id and file offset */
	static const char *const modes[] = { "bpftrace", "perf", "raw", "build_id" };
	struct ty *t = ty_new(c->a, TY_STACK);
	t->stack_limit = 127;
	t->stack_user = use_id(n) == BI_USTACK;
	t->stack_mode = stack_mode(c, t->stack_user);
	unsigned nmodes = t->stack_user ? 4 : 3;
	for (unsigned i = 0; i < nargs; i++) {
		struct ast *a = args[i];
		if (i == 0 && a->kind == AST_IDENT) {
			unsigned m = 0;
			while (m < nmodes && strcmp(modes[m], a->ident.name))
				m++;
			if (m == nmodes) {
				sema_err(c, a->span, "%s: unknown stack mode '%s' (expected bpftrace, perf, raw%s)",
					 use_name(n), a->ident.name, t->stack_user ? " or build_id" : " or, for ustack, build_id");
				return ty_none();
			}
			t->stack_mode = (uint8_t)m;
			continue;
		}
		int64_t limit;
		if (!sema_arg_const(c, n, a, "the frame limit", &limit))
			return ty_none();
		if (limit < 1 || limit > 127) {
			sema_err(c, a->span, "%s: the frame limit must be between 1 and 127", use_name(n));
			return ty_none();
		}
		t->stack_limit = (uint32_t)limit;
	}
	return t;
}

/* Known to bpftrace, arriving with later work: a precise error meanwhile. */
const struct ty *sema_check_unsupported(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
					struct ast *map)
{
	(void)args, (void)nargs, (void)map;
	if (n->kind == AST_CALL)
		sema_err(c, n->span, "%s() is not supported yet", n->call.name);
	else
		sema_err(c, n->span, "the %s builtin is not supported yet", n->ident.name);
	return ty_none();
}
