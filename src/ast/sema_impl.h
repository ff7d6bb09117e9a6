/* sema_impl: what the type checker's files share (sema.c, sema_call.c, sema_type.c). */
#ifndef HAWK_SEMA_IMPL_H
#define HAWK_SEMA_IMPL_H

#include "ast/sema.h"
#include "common/strtab.h"
#include "common/builtin.h"

struct sema_var {
	const char *name;
	const struct ty *type;
	struct span at;
	unsigned block;          /* the statement list it was declared in */
};

struct checker {
	struct pass_ctx *ctx;
	struct arena *a;
	struct diag *d;
	struct sema *s;
	bool report;             /* the final round: errors are printed */
	bool changed;            /* a map's type was fixed or widened this round */
	unsigned errors;
	struct sema_expansion *exp;   /* the expansion being checked */
	unsigned exp_lo, exp_hi;      /* the probe's expansions: s->exp[exp_lo, exp_hi) */
	enum probe_type ptype;
	struct sema_var *vars;
	unsigned nvars;
	size_t capvars;
	struct strtab var_index;      /* name -> index in vars */
	int loop_depth;
	unsigned block, nblocks;      /* the statement list being checked; lists so far */
	int map_loop_depth;           /* inside for ($kv : @map): a callback, no `return` */
	uint64_t copies;              /* how many times the enclosing unrolls repeat a statement */
	uint64_t expanded;            /* statements in the probe once unrolled */
	bool expanded_reported;
	struct ast *field_base;       /* the base of the field access being typed (args->f) */
};

void sema_err(struct checker *c, struct span at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sema_warn(struct checker *c, struct span at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *sema_tname(struct checker *c, const struct ty *t);
const char *sema_kname(struct checker *c, const struct ty *t);   /* "integer", "string" */
/* $N's value is folded into the code (pass_ctx.params_fixed). */
void sema_param_fixed(struct checker *c, uint32_t pos);
/* --aot: the least size of a string parameter, so that a run may give another. */
#define SEMA_AOT_PARAM_STR 64u
const struct ty *sema_int_arg(struct checker *c, struct ast *n, struct ast *a);   /* NULL: not an integer, reported */
bool sema_poisoned(const struct ty *t);
bool sema_truthy(const struct ty *t);

const struct ty *sema_expr(struct checker *c, struct ast *n);
/* A tracepoint's `args` as a value: its record without the common fields
 * (a tracepoint program may not read its context's first 8 bytes), which
 * print(args) prints as current bpftrace does; `args->f` and `args.f` still
 * find every field of c->exp->args. */
const struct ty *sema_tp_args_value(struct checker *c, struct ast *n);

/* sema_map.c: maps' key and value types. */
/* The type two values share when one follows the other into a variable or
 * map: ints widen to 64 bits, strings keep the larger capacity, tuples
 * element-wise; NULL when they cannot. */
const struct ty *sema_unify(struct checker *c, const struct ty *old, const struct ty *new);
struct sema_map *sema_map_keys(struct checker *c, struct ast *m, struct ast *keys);
void sema_map_assign(struct checker *c, struct ast *m, const struct ty *v, struct span at);
const struct ty *sema_map_read(struct checker *c, struct ast *m);
void sema_map_declare(struct checker *c, struct ast *d);
/* sema_macro.c: script macros expanded into the probes, before checking. */
void sema_expand_macros(struct checker *c);
void sema_map_decls_check(struct checker *c);
/* sema_builtin.c: a call or a builtin name resolved to its row of
 * builtin.def (stored in the node: n->call.bi, n->ident.bi), its arity and
 * probe types checked, then its checker run. `map` is the map a call is
 * assigned to (aggregations), else NULL. */
const struct ty *sema_call(struct checker *c, struct ast *n, struct ast *map);
const struct ty *sema_builtin(struct checker *c, struct ast *n);
/* The checkers named in builtin.def's `check` column: n is the call (AST_CALL)
 * or the bare name (AST_BUILTIN, args NULL, nargs 0). */
#define BI(id, name, form, min, max, probes, result, check, emit)                   \
	const struct ty *sema_check_##check(struct checker *c, struct ast *n, struct ast **args, \
					    unsigned nargs, struct ast *map);
#include "common/builtin.def"
#undef BI
/* sema_call.c: an argument that must be known at compile time; the error
 * underlines the call `n`, as bpftrace does. */
bool sema_arg_const(struct checker *c, struct ast *n, struct ast *a, const char *what, int64_t *out);
void sema_literal_arg(struct checker *c, struct ast *a);

const struct ty *sema_cast(struct checker *c, struct ast *n);
const struct ty *sema_sizeof(struct checker *c, struct ast *n);
const struct ty *sema_offsetof(struct checker *c, struct ast *n);
const struct ty *sema_typespec(struct checker *c, struct ast *t);
/* sema_const.c: a bare name as a constant, a function-like macro call. */
const struct ty *sema_ident(struct checker *c, struct ast *n);
const struct ty *sema_macro_call(struct checker *c, struct ast *n);

#endif
