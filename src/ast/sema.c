/* sema: the type checker: variables, maps, builtins and functions, with located errors. */
#include <errno.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ast/sema.h"
#include "ast/sema_impl.h"
#include "probes/provider.h"

/* Map types may be fixed by a probe later in the file than their first read
 * (END printing a map BEGIN fills), so the checker runs quietly until no map
 * type changes, then once more reporting errors. */
#define QUIET_ROUNDS 4

void sema_err(struct checker *c, struct span at, const char *fmt, ...)
{
	va_list ap;
	c->errors++;
	if (!c->report)
		return;
	va_start(ap, fmt);
	diag_report(c->d, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

void sema_warn(struct checker *c, struct span at, const char *fmt, ...)
{
	va_list ap;
	if (!c->report)
		return;
	va_start(ap, fmt);
	diag_report(c->d, DIAG_WARNING, at, fmt, ap);
	va_end(ap);
}

const char *sema_tname(struct checker *c, const struct ty *t)
{
	return ty_name(c->a, t);
}

/* bpftrace 0.17's typestr() of a type's kind, which some of its messages use
 * instead of the full type: "integer", "string", "count". */
const char *sema_kname(struct checker *c, const struct ty *t)
{
	switch (t ? t->kind : TY_NONE) {
	case TY_INT: return "integer";
	case TY_STRING: return "string";
	case TY_PTR: return "pointer";
	case TY_ARRAY: return "array";
	case TY_RECORD: return "record";
	case TY_TUPLE: return "tuple";
	case TY_BUFFER: return "buffer";
	case TY_NONE: case TY_VOID: case TY_BOOL: case TY_STACK: case TY_KSYM: case TY_USYM:
	case TY_USERNAME: case TY_INET: case TY_TIMESTAMP: case TY_CGROUP_PATH: case TY_MACADDR: case TY_ERRNO: case TY_AGG:
	case TY_MAP: case TY__COUNT:
		break;
	}
	return sema_tname(c, t);
}

static const struct ty *set(struct ast *n, const struct ty *t)
{
	n->type = (void *)t;
	return t;
}

bool sema_poisoned(const struct ty *t)
{
	return !t || t->kind == TY_NONE;
}

/* ---- variables: one scope per probe (bpftrace 0.17; HEAD scopes by block) ---- */

static struct sema_var *var_find(struct checker *c, const char *name)
{
	int64_t i = strtab_get(&c->var_index, name);
	return i < 0 ? NULL : &c->vars[i];
}

static struct sema_var *var_add(struct checker *c, const char *name, const struct ty *t, struct span at)
{
	c->vars = arena_grow(c->a, c->vars, c->nvars, &c->capvars, sizeof(*c->vars));
	c->vars[c->nvars] = (struct sema_var){ name, t, at, c->block };
	strtab_put(&c->var_index, c->a, name, c->nvars);
	return &c->vars[c->nvars++];
}

/* ---- expressions ---- */

static const struct ty *int_result(const struct ty *l, const struct ty *r)
{
	bool s = (l->kind == TY_INT && l->is_signed) || (r->kind == TY_INT && r->is_signed) ||
		 l->kind == TY_BOOL || r->kind == TY_BOOL;
	return ty_int(8, s);
}

/* A literal that fits int64 takes the sign of the value it meets (current
 * bpftrace's sign-flexible literals; 0.17 agreed: `$u % 10` of a uint64 is
 * unsigned). Two literals stay signed. */
static const struct ty *flex(const struct ast *e, const struct ty *t, const struct ast *other,
			     const struct ty *ot)
{
	if (e->kind == AST_INT && e->num.value <= INT64_MAX && t->kind == TY_INT && !t->enums &&
	    other->kind != AST_INT && ot->kind == TY_INT)
		return ty_int(8, ot->is_signed);
	return t;
}

static bool is_const_zero(const struct ast *e)
{
	return e->kind == AST_INT && e->num.value == 0;
}

/* Operands a binary operator does not take, in bpftrace's two wordings: one
 * for two values of the same kind, "comparing" for every other operator. */
static const struct ty *mismatch(struct checker *c, struct ast *n, const struct ty *l, const struct ty *r)
{
	if (l->kind == r->kind)
		sema_err(c, n->span, "The %s operator can not be used on expressions of types %s, %s",
			 ast_op_name(n->binary.op), sema_tname(c, l), sema_tname(c, r));
	else
		sema_err(c, n->span, "Type mismatch for '%s': comparing '%s' with '%s'",
			 ast_op_name(n->binary.op), sema_tname(c, l), sema_tname(c, r));
	return ty_none();
}

static const struct ty *binary(struct checker *c, struct ast *n)
{
	const struct ty *l = sema_expr(c, n->binary.l);
	const struct ty *r = sema_expr(c, n->binary.r);
	if (sema_poisoned(l) || sema_poisoned(r))
		return ty_none();
	enum ast_op op = n->binary.op;
	switch (op) {
	case AST_OP_LAND:
	case AST_OP_LOR:
		if (!sema_truthy(l) || !sema_truthy(r))
			return mismatch(c, n, l, r);
		return ty_bool();
	case AST_OP_EQ:
	case AST_OP_NE:
		if (l->kind == TY_STRING && r->kind == TY_STRING)
			return ty_bool();
		if (l->kind == TY_ARRAY && r->kind == TY_ARRAY && ty_equal(l, r))
			return ty_bool();   /* compared byte for byte */
		if (l->kind == TY_BUFFER && r->kind == TY_BUFFER)
			return ty_bool();   /* lengths, then the bytes within them */
		/* fall through */
	case AST_OP_LT: case AST_OP_LE: case AST_OP_GT: case AST_OP_GE:
		if ((ty_is_int(l) || l->kind == TY_PTR) && (ty_is_int(r) || r->kind == TY_PTR))
			return ty_bool();
		return mismatch(c, n, l, r);
	case AST_OP_ADD:
	case AST_OP_SUB:
		/* Pointer arithmetic scales by the pointee size, as in C. */
		if (l->kind == TY_PTR && ty_is_int(r))
			return l;
		if (op == AST_OP_ADD && r->kind == TY_PTR && ty_is_int(l))
			return r;
		/* fall through */
	case AST_OP_MUL: case AST_OP_DIV: case AST_OP_MOD:
	case AST_OP_BAND: case AST_OP_BOR: case AST_OP_BXOR: case AST_OP_SHL: case AST_OP_SHR:
		if (!ty_is_int(l) || !ty_is_int(r))
			return mismatch(c, n, l, r);
		/* A literal zero divisor is refused; a run-time one yields 1 with a
		 * warning, as current bpftrace does (codegen). */
		if ((op == AST_OP_DIV || op == AST_OP_MOD) && is_const_zero(n->binary.r)) {
			sema_err(c, n->binary.r->span, op == AST_OP_DIV ? "division by zero" : "modulo by zero");
			return ty_none();
		}
		if (op == AST_OP_SUB)
			return ty_int(8, true);   /* current bpftrace: a difference is signed */
		return int_result(flex(n->binary.l, l, n->binary.r, r), flex(n->binary.r, r, n->binary.l, l));
	case AST_OP_NONE: case AST_OP_NEG: case AST_OP_NOT: case AST_OP_BNOT: case AST_OP_DEREF:
	case AST_OP_ADDR: case AST_OP_PREINC: case AST_OP_PREDEC: case AST_OP_POSTINC:
	case AST_OP_POSTDEC: case AST_OP__COUNT:
		break;
	}
	return ty_none();
}

bool sema_truthy(const struct ty *t)
{
	return ty_is_int(t) || t->kind == TY_PTR;
}

/* ++/-- on a variable or map entry: an integer that is read and written. */
static const struct ty *incdec(struct checker *c, struct ast *n)
{
	struct ast *e = n->unary.e;
	if (e->kind == AST_VAR) {
		struct sema_var *v = var_find(c, e->ident.name);
		if (!v) {
			sema_err(c, e->span, "Undefined or undeclared variable: %s", e->ident.name);
			var_add(c, e->ident.name, ty_none(), e->span);
			return ty_none();
		}
		set(e, v->type);
		if (sema_poisoned(v->type))
			return ty_none();
		if (!ty_is_int(v->type) && v->type->kind != TY_PTR) {
			sema_err(c, n->span, "The %s operator can not be used on expressions of type '%s'",
				 ast_op_name(n->unary.op), sema_tname(c, v->type));
			return ty_none();
		}
		return v->type;
	}
	if (e->kind == AST_MAP) {
		struct sema_map *sm = sema_map_keys(c, e, e->map.keys);
		if (!sm)
			return ty_none();
		if (!sm->value_known) {
			/* @m[k]++ on a new map starts it at 0 as an int64. */
			sm->value = ty_int(8, true);
			sm->value_known = true;
			c->changed = true;
		}
		set(e, sm->value);
		if (sema_poisoned(sm->value))
			return ty_none();
		if (!ty_is_int(sm->value) && sm->value->kind != TY_PTR) {
			sema_err(c, n->span, "The %s operator can not be used on expressions of type '%s'",
				 ast_op_name(n->unary.op), sema_tname(c, sm->value));
			return ty_none();
		}
		return sm->value;
	}
	sema_err(c, n->span, "'%s' can only be applied to a variable or a map entry", ast_op_name(n->unary.op));
	return ty_none();
}

static const struct ty *unary(struct checker *c, struct ast *n)
{
	enum ast_op op = n->unary.op;
	if (op == AST_OP_PREINC || op == AST_OP_PREDEC || op == AST_OP_POSTINC || op == AST_OP_POSTDEC)
		return incdec(c, n);
	const struct ty *t = sema_expr(c, n->unary.e);
	if (sema_poisoned(t))
		return ty_none();
	switch (op) {
	case AST_OP_NOT:
		if (!sema_truthy(t))
			break;
		return ty_bool();
	case AST_OP_NEG:
		if (!ty_is_int(t))
			break;
		return ty_int(8, true);
	case AST_OP_BNOT:
		if (!ty_is_int(t))
			break;
		return ty_int(8, t->kind == TY_INT && t->is_signed);
	case AST_OP_DEREF:
		if (t->kind == TY_PTR && t->elem && t->elem->kind != TY_VOID)
			return t->elem;
		if (t->kind == TY_PTR) {
			sema_err(c, n->span, "cannot dereference a void pointer: cast it first, e.g. *(int64 *)ptr");
			return ty_none();
		}
		sema_err(c, n->span, "cannot dereference a value of type '%s'", sema_tname(c, t));
		return ty_none();
	case AST_OP_ADDR:
		/* &$x: the variable's own bytes on the program's stack (current
		 * bpftrace), read back through the pointer with probe_read */
		if (n->unary.e->kind == AST_VAR)
			return ty_ptr(c->a, t, TY_AS_KERNEL);
		sema_err(c, n->span, "taking an address with '&' is supported for scratch variables only");
		return ty_none();
	case AST_OP_NONE: case AST_OP_ADD: case AST_OP_SUB: case AST_OP_MUL: case AST_OP_DIV:
	case AST_OP_MOD: case AST_OP_BAND: case AST_OP_BOR: case AST_OP_BXOR: case AST_OP_SHL:
	case AST_OP_SHR: case AST_OP_LAND: case AST_OP_LOR: case AST_OP_EQ: case AST_OP_NE:
	case AST_OP_LT: case AST_OP_LE: case AST_OP_GT: case AST_OP_GE: case AST_OP_PREINC:
	case AST_OP_PREDEC: case AST_OP_POSTINC: case AST_OP_POSTDEC: case AST_OP__COUNT:
		return ty_none();
	}
	sema_err(c, n->span, "The %s operator can not be used on expressions of type '%s'",
		 ast_op_name(op), sema_tname(c, t));
	return ty_none();
}

const struct ty *sema_tp_args_value(struct checker *c, struct ast *n)
{
	const struct ty *full = c->exp->args;
	/* The tree keeps one type for every expansion of the probe: a record of
	 * one tracepoint would print another's bytes under its field names. */
	for (unsigned i = c->exp_lo; i < c->exp_hi && n != c->field_base; i++)
		if (c->s->exp[i].args && !ty_equal(c->s->exp[i].args, full)) {
			sema_err(c, n->span, "args as a whole value needs one tracepoint format, and %s and %s "
				 "differ: use its fields, or one probe per tracepoint", c->s->exp[c->exp_lo].name,
				 c->s->exp[i].name);
			return ty_none();
		}
	struct ty *t = ty_new(c->a, TY_RECORD);
	*t = *full;
	struct ty_field *fields = arena_alloc(c->a, (full->count ? full->count : 1) * sizeof(*fields));
	unsigned k = 0;
	for (unsigned i = 0; i < full->count; i++)
		if (full->fields[i].offset >= 8)
			fields[k++] = full->fields[i];
	t->fields = fields;
	t->count = k;
	return t;
}

static const struct ty *field(struct checker *c, struct ast *n)
{
	c->field_base = n->field.e;
	const struct ty *t = sema_expr(c, n->field.e);
	c->field_base = NULL;
	if (sema_poisoned(t))
		return ty_none();
	if (t->kind == TY_RECORD && t->ctx && c->ptype == PROBE_TRACEPOINT && c->exp->args)
		t = c->exp->args; /* args as a value: its fields, common ones included */
	const char *name = n->field.name;
	/* `args->f` (0.17) and `args.f` (current) both reach the record; HEAD
	 * lets '.' see through any pointer, and so do we. */
	if (t->kind == TY_PTR && t->elem && t->elem->kind == TY_RECORD)
		t = t->elem;
	else if (n->field.arrow && t->kind == TY_RECORD && !t->ctx) {
		sema_err(c, n->span, "Can not access field '%s' on a struct that is not a pointer, use '.' instead of '->'", name);
		return ty_none();
	}
	if (t->kind == TY_TUPLE) {
		char *end;
		unsigned long i = strtoul(name, &end, 10);
		if (*end || !isdigit((unsigned char)name[0])) {
			sema_err(c, n->span, "Tuples must be indexed with a constant and non-negative integer");
			return ty_none();
		}
		if (i >= t->count) {
			sema_err(c, n->span, "Invalid tuple index: %lu. Found %u elements in tuple.", i, t->count);
			return ty_none();
		}
		return t->fields[i].type;
	}
	if (t->kind != TY_RECORD) {
		sema_err(c, n->span, "Can not access field '%s' on expression of type '%s'", name, sema_tname(c, t));
		return ty_none();
	}
	if (t->btf_id)
		sema_btf_fields(c->a, (struct ty *)t); /* a kernel type: its fields, once */
	const struct ty_field *f = ty_field(t, name);
	if (!f) {
		sema_err(c, n->span, "Struct/union of type '%s' does not contain a field named '%s'",
			 sema_tname(c, t), name);
		return ty_none();
	}
	if (f->bits && f->bit_offset + f->bits > 64) {
		sema_err(c, n->span, "'%s' is a bitfield that straddles 8 bytes: not supported", name);
		return ty_none();
	}
	/* A tracepoint program may not read the first 8 bytes of its context
	 * (the kernel's tp_prog_is_valid_access); bpftrace's wording. */
	if (t->ctx && f->offset < 8 && rt_provider_of(c->ptype)->args == RT_ARGS_TRACEPOINT) {
		sema_err(c, n->span, "BPF does not support accessing common tracepoint fields");
		return ty_none();
	}
	return f->type;
}

/* $N's value was folded into the code: an artifact's run must give the same. */
void sema_param_fixed(struct checker *c, uint32_t pos)
{
	if (pos >= 1 && pos <= 64)
		c->ctx->params_fixed |= 1ull << (pos - 1);
}

static const struct ty *positional(struct checker *c, struct ast *n)
{
	uint32_t i = n->pos.n;
	if (i > (uint32_t)c->ctx->nparams) {
		/* bpftrace: a missing parameter reads as 0 (or "" as a string). */
		return ty_int(8, true);
	}
	const char *v = c->ctx->params[i - 1];
	char *end;
	if (*v) {
		(void)strtoll(v, &end, 0);
		if (!*end) {
			/* past INT64_MAX (0xffffffffffffffff) it is unsigned, as
			 * current bpftrace reads it */
			errno = 0;
			unsigned long long u = strtoull(v, &end, 0);
			return ty_int(8, !(*v != '-' && !errno && u > INT64_MAX));
		}
	}
	uint32_t size = (uint32_t)strlen(v) + 1;
	/* an artifact's run may give a longer string: room for the usual one */
	if (c->ctx->aot && size < SEMA_AOT_PARAM_STR)
		size = SEMA_AOT_PARAM_STR;
	return ty_string(c->a, size);
}

static const struct ty *tuple(struct checker *c, struct ast *n)
{
	unsigned cnt = ast_list_len(n->tuple.elems);
	if (cnt > 64) {
		sema_err(c, n->span, "tuples have at most 64 elements");
		return ty_none();
	}
	const struct ty *el[64];
	unsigned i = 0;
	for (struct ast *e = n->tuple.elems; e; e = e->next) {
		const struct ty *t = sema_expr(c, e);
		if (sema_poisoned(t))
			return ty_none();
		if (t->kind == TY_AGG || t->kind == TY_MAP || t->kind == TY_VOID) {
			sema_err(c, e->span, "a tuple cannot hold a value of type '%s'", sema_tname(c, t));
			return ty_none();
		}
		el[i++] = t;   /* C layout, as bpftrace: (int8, int16, int32) is 8 bytes */
	}
	return ty_tuple(c->a, el, cnt);
}

/* (a = 1, b = "s"): a record, laid out as the tuple of its values, its
 * fields named (current bpftrace); printed { .a = 1, .b = s }. */
static const struct ty *record(struct checker *c, struct ast *n)
{
	unsigned cnt = ast_list_len(n->record.fields);
	if (cnt > 64) {
		sema_err(c, n->span, "records have at most 64 fields");
		return ty_none();
	}
	const struct ty *el[64];
	unsigned i = 0;
	for (struct ast *f = n->record.fields; f; f = f->next) {
		for (struct ast *g = n->record.fields; g != f; g = g->next)
			if (!strcmp(g->named.name, f->named.name)) {
				sema_err(c, f->span, "Duplicate field name: %s", f->named.name);
				return ty_none();
			}
		const struct ty *t = sema_expr(c, f->named.value);
		if (sema_poisoned(t))
			return ty_none();
		if (t->kind == TY_AGG || t->kind == TY_MAP || t->kind == TY_VOID) {
			sema_err(c, f->span, "a record cannot hold a value of type '%s'", sema_tname(c, t));
			return ty_none();
		}
		set(f, t);
		el[i++] = t;
	}
	const struct ty *tu = ty_tuple(c->a, el, cnt);
	struct ty *r = ty_new(c->a, TY_RECORD);
	*r = *tu;
	r->kind = TY_RECORD;
	r->name = NULL;
	r->fields = arena_alloc(c->a, (cnt ? cnt : 1) * sizeof(*r->fields));
	i = 0;
	for (struct ast *f = n->record.fields; f; f = f->next, i++) {
		r->fields[i] = tu->fields[i];
		r->fields[i].name = f->named.name;
	}
	return r;
}

static const struct ty *ternary(struct checker *c, struct ast *n)
{
	const struct ty *cond = sema_expr(c, n->ternary.cond);
	const struct ty *a = n->ternary.then ? sema_expr(c, n->ternary.then) : cond;
	const struct ty *b = sema_expr(c, n->ternary.els);
	if (sema_poisoned(cond) || sema_poisoned(a) || sema_poisoned(b))
		return ty_none();
	if (!sema_truthy(cond)) {
		sema_err(c, n->span, "Invalid condition in ternary: %s", sema_kname(c, cond));
		return ty_none();
	}
	const struct ty *u = sema_unify(c, a, b);
	if (!u) {
		bool kinds = a->kind != b->kind;   /* 'integer' and 'string', as bpftrace says */
		sema_err(c, n->span, "Ternary operator must return the same type: have '%s' and '%s'",
			 kinds ? sema_kname(c, a) : sema_tname(c, a), kinds ? sema_kname(c, b) : sema_tname(c, b));
		return ty_none();
	}
	return u;
}

/* An integer constant expression of literals and + - * << >> & | ^ ~ and
 * parentheses (the tree has no parentheses left), or false. */
static bool fold_const(const struct ast *e, uint64_t *v)
{
	uint64_t a, b;
	if (e->kind == AST_INT) {
		*v = e->num.value;
		return true;
	}
	if (e->kind == AST_UNARY && (e->unary.op == AST_OP_NEG || e->unary.op == AST_OP_BNOT) &&
	    fold_const(e->unary.e, &a)) {
		*v = e->unary.op == AST_OP_NEG ? (uint64_t)-(int64_t)a : ~a;
		return true;
	}
	if (e->kind != AST_BINARY || !fold_const(e->binary.l, &a) || !fold_const(e->binary.r, &b))
		return false;
	enum ast_op op = e->binary.op;
	if (op == AST_OP_ADD) *v = a + b;
	else if (op == AST_OP_SUB) *v = a - b;
	else if (op == AST_OP_MUL) *v = a * b;
	else if (op == AST_OP_BAND) *v = a & b;
	else if (op == AST_OP_BOR) *v = a | b;
	else if (op == AST_OP_BXOR) *v = a ^ b;
	else if (op == AST_OP_SHL) *v = b < 64 ? a << b : 0;
	else if (op == AST_OP_SHR) *v = b < 64 ? a >> b : 0;
	else return false;
	return true;
}

static const struct ty *index_expr(struct checker *c, struct ast *n)
{
	const struct ty *t = sema_expr(c, n->index.e);
	const struct ty *i = sema_expr(c, n->index.index);
	if (sema_poisoned(t) || sema_poisoned(i))
		return ty_none();
	if (!ty_is_int(i)) {
		sema_err(c, n->index.index->span, "index must be an integer, got '%s'", sema_tname(c, i));
		return ty_none();
	}
	if (t->kind == TY_ARRAY) {
		/* a zero-length trailing array (int y[0]) has no bound */
		if (n->index.index->kind == AST_INT && t->count && n->index.index->num.value >= t->count) {
			sema_err(c, n->index.index->span, "the index %llu is out of bounds for array of size %u",
				 (unsigned long long)n->index.index->num.value, t->count);
			return ty_none();
		}
		return t->elem;
	}
	if (t->kind == TY_PTR && t->elem && t->elem->kind != TY_VOID)
		return t->elem;
	if (t->kind == TY_STRING)
		return ty_int(1, true);
	uint64_t folded;
	if (t->kind == TY_TUPLE && n->index.index->kind != AST_INT && fold_const(n->index.index, &folded)) {
		/* $t[1 + 1]: a constant index, folded so codegen reads one field */
		struct ast *k = n->index.index;
		k->kind = AST_INT;
		k->num.value = folded;
		k->num.form = AST_INT_DEC;
		k->num.text = NULL;
	}
	if (t->kind == TY_TUPLE && n->index.index->kind == AST_INT) {
		uint64_t k = n->index.index->num.value;
		if (k >= t->count) {
			sema_err(c, n->span, "Invalid tuple index: %llu. Found %u elements in tuple.",
				 (unsigned long long)k, t->count);
			return ty_none();
		}
		return t->fields[k].type;
	}
	sema_err(c, n->span, "The array index operator [] can only be used on arrays and pointers, found %s.",
		 sema_kname(c, t));
	return ty_none();
}

const struct ty *sema_expr(struct checker *c, struct ast *n)
{
	const struct ty *t = ty_none();
	switch (n->kind) {
	case AST_INT:
		if (n->type && ((const struct ty *)n->type)->nenums)
			t = n->type;   /* a folded enum constant */
		else
			t = ty_int(8, n->num.value <= INT64_MAX);
		break;
	case AST_STRING:
		/* A string value is at most max_strlen bytes, as in current bpftrace
		 * (a printf format is not a value and is not checked here). A 1 MB
		 * literal passed --check and then spent minutes inside LLVM. */
		if (n->str.len + 1 > c->s->max_strlen) {
			sema_err(c, n->span, "String is too long (over %u bytes): %.*s%s", c->s->max_strlen,
				 n->str.len > 40 ? 40 : (int)n->str.len, n->str.s, n->str.len > 40 ? "..." : "");
			break;
		}
		t = ty_string(c->a, n->str.len + 1);
		break;
	case AST_BOOL:
		t = ty_bool();
		break;
	case AST_POSITIONAL:
		t = positional(c, n);
		break;
	case AST_POSITIONAL_COUNT:
		t = ty_int(8, true);
		break;
	case AST_BUILTIN:
		t = sema_builtin(c, n);
		break;
	case AST_IDENT:
		t = sema_ident(c, n);
		break;
	case AST_VAR: {
		struct sema_var *v = var_find(c, n->ident.name);
		if (!v) {
			/* Reported once per probe: the name is then declared poisoned. */
			sema_err(c, n->span, "Undefined or undeclared variable: %s", n->ident.name);
			var_add(c, n->ident.name, ty_none(), n->span);
		} else {
			t = v->type;
		}
		break;
	}
	case AST_MAP:
		t = sema_map_read(c, n);
		break;
	case AST_CALL:
		t = sema_call(c, n, NULL);
		break;
	case AST_UNARY:
		t = unary(c, n);
		break;
	case AST_BINARY:
		t = binary(c, n);
		break;
	case AST_TERNARY:
		t = ternary(c, n);
		break;
	case AST_FIELD:
		t = field(c, n);
		break;
	case AST_INDEX:
		t = index_expr(c, n);
		break;
	case AST_CAST:
		t = sema_cast(c, n);
		break;
	case AST_TUPLE:
		t = tuple(c, n);
		break;
	case AST_SIZEOF:
		t = sema_sizeof(c, n);
		break;
	case AST_RECORD:
		t = record(c, n);
		break;
	case AST_OFFSETOF:
		t = sema_offsetof(c, n);
		break;
	case AST_BLOCK_EXPR:
		sema_err(c, n->span, "block expressions are not supported yet");
		break;
	case AST_RANGE:
	case AST_NAMED:
	case AST_TYPE:
	case AST_PROGRAM: case AST_C_DEF: case AST_CONFIG: case AST_IMPORT: case AST_MACRO:
	case AST_MAP_DECL: case AST_PROBE: case AST_ATTACH_POINT: case AST_BLOCK:
	case AST_EXPR_STMT: case AST_ASSIGN: case AST_LET: case AST_IF: case AST_WHILE:
	case AST_UNROLL: case AST_FOR: case AST_JUMP: case AST__COUNT:
		sema_err(c, n->span, "%s is not an expression", ast_kind_name(n->kind));
		break;
	}
	if (t->kind == TY_RECORD || t->kind == TY_ARRAY || t->kind == TY_TUPLE)
		sema_btf_complete(c->a, t);
	return set(n, t);
}

static void stmts(struct checker *c, struct ast *list);

/* Every use of variable `from` in the list (and below) becomes `to`. */
static void rename_var(struct ast *list, const char *from, const char *to)
{
	for (struct ast *n = list; n; n = n->next) {
		if (n->kind == AST_VAR && !strcmp(n->ident.name, from))
			n->ident.name = to;
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(n, kids);
		for (unsigned i = 0; i < k; i++)
			rename_var(kids[i], from, to);
	}
}

/* for ($kv : @map): $kv is the tuple (key, value) of each entry in turn,
 * read-only copies; the body runs as a callback of bpf_for_each_map_elem. */
static void for_map(struct checker *c, struct ast *n)
{
	struct ast *m = n->for_.iter, *var = n->for_.var;
	struct sema_map *sm = sema_map_find(c->s, m->map.name);
	const struct ty *kv = ty_none();
	if (m->map.keys) {
		sema_err(c, m->span, "for loops iterate over a whole map (%s), not one entry", m->map.name);
	} else if (!sm || !sm->value_known || !sm->key_known) {
		if (c->report)
			sema_err(c, m->span, "Undefined map: %s", m->map.name);
	} else if (!sm->key) {
		sema_err(c, m->span, "for loops need a map with keys; %s is a scalar map", m->map.name);
	} else if (sm->value->kind == TY_AGG && sm->value->agg != TY_AGG_COUNT && sm->value->agg != TY_AGG_SUM) {
		sema_err(c, m->span, "for loops over %s maps (%s) are not supported yet; count and sum maps are",
			 sema_tname(c, sm->value), m->map.name);
	} else if (!sema_poisoned(sm->key) && !sema_poisoned(sm->value)) {
		/* a count or sum map's value is its total over the CPUs */
		const struct ty *val = sm->value;
		if (val->kind == TY_AGG)
			val = ty_int(8, val->agg == TY_AGG_SUM && (!val->agg_arg || val->agg_arg->kind != TY_INT ||
								   val->agg_arg->is_signed));
		const struct ty *el[2] = { sm->key, val };
		kv = ty_tuple(c->a, el, 2);
		sm->used_as_value = true;
	}
	set(m, kv);
	struct sema_var *v = var_find(c, var->ident.name);
	if (v) {
		/* the loop's variable is its own, as in current bpftrace: a name
		 * already in use is renamed for the loop (once: the tree keeps it) */
		static unsigned renamed;
		const char *to = arena_printf(c->a, "%s'%u", var->ident.name, ++renamed);
		const char *from = var->ident.name;
		var->ident.name = to;
		rename_var(n->for_.body, from, to);
		v = NULL;
	}
	if (v && !sema_poisoned(v->type) && !sema_poisoned(kv) && !ty_equal(v->type, kv))
		sema_err(c, var->span, "Loop declaration shadows existing variable: %s", var->ident.name);
	else if (!v)
		v = var_add(c, var->ident.name, kv, var->span);
	else
		v->type = kv;
	set(var, kv);
	c->loop_depth++;
	c->map_loop_depth++;
	stmts(c, n->for_.body->block.stmts);
	c->map_loop_depth--;
	c->loop_depth--;
}

/* `unroll(N)` without the body, as bpftrace underlines it. */
static struct span unroll_span(struct checker *c, const struct ast *n)
{
	struct span at = n->span;
	const struct span *k = &n->unroll.count->span;
	const struct diag_source *src = diag_source(c->d, at.file);
	uint32_t e = k->end;
	while (src && src->text && e < src->len && (src->text[e] == ' ' || src->text[e] == '\t'))
		e++;
	if (!src || !src->text || e >= src->len || src->text[e] != ')')
		return *k;
	at.end = e + 1;
	at.end_line = k->end_line;
	at.end_col = k->end_col + (e + 1 - k->end);
	return at;
}

/* The predicate with its slashes, as bpftrace underlines it: the tree keeps
 * only the expression, so look for the '/' on either side in the source. */
static struct span pred_span(struct checker *c, struct span at)
{
	const struct diag_source *src = diag_source(c->d, at.file);
	if (!src || !src->text || at.end > src->len)
		return at;
	uint32_t b = at.off, e = at.end;
	while (b > 0 && (src->text[b - 1] == ' ' || src->text[b - 1] == '\t'))
		b--;
	while (e < src->len && (src->text[e] == ' ' || src->text[e] == '\t'))
		e++;
	if (b == 0 || src->text[b - 1] != '/' || e >= src->len || src->text[e] != '/')
		return at;
	at.col -= at.off - (b - 1);
	at.off = b - 1;
	at.end_col += e + 1 - at.end;
	at.end = e + 1;
	return at;
}

/* ---- statements ---- */

static void assign_var(struct checker *c, struct ast *target, const struct ty *v, struct span at)
{
	struct sema_var *var = var_find(c, target->ident.name);
	if (!sema_poisoned(v) && (v->kind == TY_VOID || v->kind == TY_AGG || v->kind == TY_MAP)) {
		if (v->kind == TY_VOID)
			sema_err(c, at, "cannot assign a value of type 'void' to a variable");
		else
			sema_err(c, at, "Value '%s' cannot be assigned to a scratch variable.", sema_tname(c, v));
		v = ty_none();
	}
	/* A variable whose value failed is declared with the poison type, so
	 * that its uses are quiet (one typo, one error). */
	if (sema_poisoned(v)) {
		if (!var)
			var_add(c, target->ident.name, ty_none(), target->span);
		return;
	}
	if (v->kind == TY_INT)
		v = ty_widen(c->a, v);
	if (!var || sema_poisoned(var->type)) {
		if (var)
			var->type = v;
		else
			var_add(c, target->ident.name, v, target->span);
		set(target, v);
		return;
	}
	const struct ty *u = sema_unify(c, var->type, v);
	if (!u) {
		sema_err(c, at, "Type mismatch for %s: trying to assign value of type '%s' when variable already contains a value of type '%s'",
			 target->ident.name, sema_tname(c, v), sema_tname(c, var->type));
		return;
	}
	var->type = u;
	set(target, u);
}

/* HEAD's examples in "cannot be assigned from one map to another". */
static const char *agg_example(enum ty_agg agg)
{
	switch (agg) {
	case TY_AGG_COUNT: return "count()";
	case TY_AGG_SUM: return "sum(retval)";
	case TY_AGG_MIN: return "min(retval)";
	case TY_AGG_MAX: return "max(retval)";
	case TY_AGG_AVG: return "avg(retval)";
	case TY_AGG_STATS: return "stats(arg2)";
	case TY_AGG_HIST: return "hist(retval)";
	case TY_AGG_LHIST: return "lhist(rand %10, 0, 10, 1)";
	case TY_AGG_TSERIES: return "tseries(rand %10, 1s, 10)";
	case TY_AGG_NONE: break;
	}
	return "count()";
}

static void assign(struct checker *c, struct ast *n)
{
	struct ast *target = n->assign.target, *value = n->assign.value;
	const struct ty *v;
	if (n->assign.op != AST_OP_NONE) {
		/* x op= y is x = x op y: both must be integers. */
		const struct ty *cur = target->kind == AST_MAP ? sema_map_read(c, target) : sema_expr(c, target);
		const struct ty *r = sema_expr(c, value);
		if (sema_poisoned(cur) || sema_poisoned(r))
			return;
		bool ptr_step = cur->kind == TY_PTR && ty_is_int(r) &&
				(n->assign.op == AST_OP_ADD || n->assign.op == AST_OP_SUB);
		if (!ptr_step && (!ty_is_int(cur) || !ty_is_int(r))) {
			sema_err(c, n->span, "Type mismatch for '%s': comparing '%s' with '%s'",
				 ast_op_name(n->assign.op), sema_tname(c, cur), sema_tname(c, r));
			return;
		}
		/* p += n steps by the pointee's size, as p + n does */
		v = ptr_step ? cur : int_result(cur, r);
	} else if (value->kind == AST_CALL && target->kind == AST_MAP) {
		v = sema_call(c, value, target);
		set(value, v);
	} else {
		v = sema_expr(c, value);
		if (target->kind == AST_MAP && !sema_poisoned(v) && v->kind == TY_AGG) {
			sema_err(c, n->span, "Map value '%s' cannot be assigned from one map to another. "
				 "The function that returns this type must be called directly e.g. `@x = %s;`.",
				 sema_tname(c, v), agg_example(v->agg));
			v = ty_none();
		}
	}
	if (value->kind == AST_CALL && !sema_poisoned(v) && v->kind == TY_VOID) {
		sema_err(c, value->span, "%s() should not be used in an assignment or as a map key",
			 value->call.name);
		v = ty_none();
	}
	if (target->kind == AST_MAP)
		sema_map_assign(c, target, v, n->span);
	else
		assign_var(c, target, v, n->span);
}

static void stmts(struct checker *c, struct ast *list);

static void stmt(struct checker *c, struct ast *n)
{
	switch (n->kind) {
	case AST_EXPR_STMT: {
		const struct ty *t = sema_expr(c, n->expr_stmt.expr);
		if (!sema_poisoned(t) && t->kind == TY_AGG)
			sema_err(c, n->span, "%s() should be assigned to a map", n->expr_stmt.expr->call.name);
		break;
	}
	case AST_ASSIGN:
		assign(c, n);
		break;
	case AST_LET: {
		struct ast *var = n->let.var;
		struct sema_var *old = var_find(c, var->ident.name);
		if (old && old->block == c->block) {
			sema_err(c, var->span, "Variable %s was already declared", var->ident.name);
			break;
		}
		if (old) {
			/* A variable's scope is the block it is declared in (current
			 * bpftrace); hawk keeps 0.17's reading of one first assigned in
			 * a block after it, so a later `let` of the name declares a new
			 * variable, for the statements after it (renamed once: the tree
			 * keeps the name). */
			static unsigned renamed;
			const char *from = var->ident.name;
			const char *to = arena_printf(c->a, "%s'%u", from, ++renamed);
			var->ident.name = to;
			if (n->let.init)
				rename_var(n->let.init, from, from);
			rename_var(n->next, from, to);
		}
		const struct ty *t = n->let.type ? sema_typespec(c, n->let.type) : NULL;
		if (n->let.type && sema_poisoned(t))
			break;
		if (n->let.init) {
			const struct ty *v = sema_expr(c, n->let.init);
			if (sema_poisoned(v))
				break;
			if (t && !sema_unify(c, t, v)) {
				sema_err(c, n->let.init->span, "Type mismatch for %s: trying to assign value of type '%s' to a variable declared '%s'",
					 var->ident.name, sema_tname(c, v), sema_tname(c, t));
				break;
			}
			if (!t)
				t = v->kind == TY_INT ? ty_widen(c->a, v) : v;
		}
		if (!t)
			t = ty_int(8, true);
		var_add(c, var->ident.name, t, var->span);
		set(var, t);
		break;
	}
	case AST_IF: {
		const struct ty *t = sema_expr(c, n->if_.cond);
		if (!sema_poisoned(t) && !sema_truthy(t))
			sema_err(c, n->if_.cond->span, "Invalid condition in if(): %s", sema_kname(c, t));
		stmts(c, n->if_.then->block.stmts);
		if (n->if_.els)
			stmt(c, n->if_.els);
		break;
	}
	case AST_BLOCK:
		stmts(c, n->block.stmts);
		break;
	case AST_WHILE: {
		const struct ty *t = sema_expr(c, n->while_.cond);
		if (!sema_poisoned(t) && !sema_truthy(t))
			sema_err(c, n->while_.cond->span, "Invalid condition in while(): %s", sema_kname(c, t));
		c->loop_depth++;
		stmts(c, n->while_.body->block.stmts);
		c->loop_depth--;
		break;
	}
	case AST_UNROLL: {
		struct ast *k = n->unroll.count;
		if (k->kind == AST_POSITIONAL && k->pos.n <= (uint32_t)c->ctx->nparams) {
			/* Folded to the integer it names, which codegen reads. */
			uint32_t pos = k->pos.n;
			sema_param_fixed(c, pos);
			k->kind = AST_INT;
			k->num.value = strtoull(c->ctx->params[pos - 1], NULL, 0);
			k->num.form = AST_INT_DEC;
			k->num.text = arena_printf(c->a, "$%u", pos);
		}
		if (k->kind != AST_INT) {
			sema_err(c, k->span, "unroll needs a constant count (an integer or a positional parameter)");
		} else if (k->num.value < 1 || k->num.value > 100) {
			sema_err(c, unroll_span(c, n), "unroll %s value is %s", k->num.value < 1 ? "minimum" : "maximum",
				 k->num.value < 1 ? "1" : "100");
		}
		set(k, ty_int(8, false));
		uint64_t outer = c->copies;
		if (k->kind == AST_INT && k->num.value >= 1 && k->num.value <= 100)
			c->copies *= k->num.value;
		stmts(c, n->unroll.body->block.stmts);
		c->copies = outer;
		break;
	}
	case AST_FOR: {
		/* for ($i : lo..hi): $i takes lo, lo+1, ... hi-1 (int64); hi is read once */
		struct ast *it = n->for_.iter, *var = n->for_.var;
		if (it->kind == AST_MAP) {
			for_map(c, n);
			break;
		}
		if (it->kind != AST_RANGE) {
			sema_err(c, it->span, "for loops iterate over a map or a range (lo..hi)");
			break;
		}
		bool ok = true;
		struct ast *ends[2] = { it->range.lo, it->range.hi };
		for (int i = 0; i < 2; i++) {
			const struct ty *t = sema_expr(c, ends[i]);
			if (sema_poisoned(t))
				ok = false;
			else if (!ty_is_int(t)) {
				sema_err(c, ends[i]->span, "Loop range requires an integer for the %s bound (%s provided)",
					 i ? "end" : "start", sema_kname(c, t));
				ok = false;
			}
		}
		struct sema_var *v = var_find(c, var->ident.name);
		if (v && !sema_poisoned(v->type) && !ty_is_int(v->type)) {
			sema_err(c, var->span, "Loop declaration shadows existing variable: %s", var->ident.name);
			ok = false;
		}
		if (!v)
			v = var_add(c, var->ident.name, ok ? ty_int(8, true) : ty_none(), var->span);
		else if (ok)
			v->type = ty_int(8, true);
		set(var, v->type);
		set(it, ty_void());
		c->loop_depth++;
		stmts(c, n->for_.body->block.stmts);
		c->loop_depth--;
		break;
	}
	case AST_JUMP:
		if (n->jump.kind != AST_JUMP_RETURN && c->loop_depth == 0)
			sema_err(c, n->span, "%s used outside of a loop",
				 n->jump.kind == AST_JUMP_BREAK ? "break" : "continue");
		if (n->jump.value) {
			/* current bpftrace takes an integer, the program's return value;
			 * hawk computes it and returns as a plain return does */
			const struct ty *t = sema_expr(c, n->jump.value);
			if (!sema_poisoned(t) && !ty_is_int(t))
				sema_err(c, n->jump.value->span, "return takes an integer value, got '%s'",
					 sema_tname(c, t));
		}

		break;
	case AST_PROGRAM: case AST_C_DEF: case AST_CONFIG: case AST_IMPORT: case AST_MACRO:
	case AST_MAP_DECL: case AST_PROBE: case AST_ATTACH_POINT: case AST_INT: case AST_STRING:
	case AST_BOOL: case AST_POSITIONAL: case AST_POSITIONAL_COUNT: case AST_BUILTIN:
	case AST_IDENT: case AST_VAR: case AST_MAP: case AST_CALL: case AST_UNARY: case AST_BINARY:
	case AST_TERNARY: case AST_FIELD: case AST_INDEX: case AST_CAST: case AST_TUPLE:
	case AST_RECORD: case AST_NAMED: case AST_SIZEOF: case AST_OFFSETOF: case AST_RANGE:
	case AST_BLOCK_EXPR: case AST_TYPE: case AST__COUNT:
		sema_err(c, n->span, "%s is not a statement", ast_kind_name(n->kind));
		break;
	}
}

/* Each statement is at least one BPF instruction and a BPF jump reaches
 * 32,767 of them (codegen's own limit): past that, unrolling is refused
 * here, before codegen builds it (24 nested unroll(2) took 6 GB and then
 * aborted). The count grows by the product of the unroll counts, but the
 * walk visits each statement once, so checking stays linear. Only an
 * unroll is refused here: a long probe as written is codegen's to size. */
#define SEMA_MAX_EXPANDED 32767

static bool terminates(const struct ast *s);

static bool list_terminates(const struct ast *list)
{
	for (const struct ast *s = list; s; s = s->next)
		if (terminates(s))
			return true;
	return false;
}

/* Whether a statement always leaves the probe (exit(), return) or the loop
 * turn (break, continue), so that a statement after it never runs. */
static bool terminates(const struct ast *s)
{
	if (s->kind == AST_JUMP)
		return true;
	if (s->kind == AST_EXPR_STMT)
		return s->expr_stmt.expr->kind == AST_CALL && !strcmp(s->expr_stmt.expr->call.name, "exit");
	if (s->kind == AST_BLOCK)
		return list_terminates(s->block.stmts);
	if (s->kind == AST_IF)
		return s->if_.els && list_terminates(s->if_.then->block.stmts) &&
		       (s->if_.els->kind == AST_BLOCK ? list_terminates(s->if_.els->block.stmts)
						      : terminates(s->if_.els));
	return false;
}

static void stmts(struct checker *c, struct ast *list)
{
	unsigned outer = c->block;
	c->block = ++c->nblocks;
	for (struct ast *s = list; s; s = s->next) {
		c->expanded += c->copies;
		if (c->expanded > SEMA_MAX_EXPANDED && c->copies > 1 && !c->expanded_reported) {
			c->expanded_reported = true;
			sema_err(c, s->span, "unroll repeats this probe's statements past %u: more code than a BPF "
				 "program can hold (reduce the unroll counts)", SEMA_MAX_EXPANDED);
		}
		stmt(c, s);
		/* current bpftrace's warning, once a list */
		if (s->next && terminates(s) && s->next->kind != AST_JUMP) {   /* `exit(); return;` is an idiom */
			sema_warn(c, s->next->span, "Unreachable statement.");
			for (struct ast *r = s->next; r; r = r->next)
				stmt(c, r);
			break;
		}
	}
	c->block = outer;
}

/* The probe's predicate and body, checked for the expansion c->exp. */
static void probe_body(struct checker *c, struct ast *p)
{
	c->nvars = 0;
	strtab_clear(&c->var_index);
	c->loop_depth = 0;
	c->copies = 1;
	c->expanded = 0;
	c->expanded_reported = false;
	c->ptype = c->exp->type;
	if (p->probe.pred) {
		const struct ty *t = sema_expr(c, p->probe.pred);
		if (!sema_poisoned(t) && !sema_truthy(t))
			sema_err(c, pred_span(c, p->probe.pred->span), "Invalid type for predicate: %s", sema_kname(c, t));
	}
	stmts(c, p->probe.body->block.stmts);
}

/* Checks probe p, whose expansions are exp[lo, hi): the expansion pass adds
 * them probe by probe in program order, so each probe's are contiguous (a scan
 * of every expansion per probe made 100,000 probes quadratic). */
static void probe(struct checker *c, struct ast *p, unsigned lo, unsigned hi)
{
	if (lo == hi)
		return;
	struct sema_expansion *first = &c->s->exp[lo];
	c->exp_lo = lo;
	c->exp_hi = hi;
	c->exp = first;
	unsigned before = c->errors;
	probe_body(c, p);
	if (c->errors != before)
		return;
	/* Every expansion with its own `args` (a tracepoint wildcard or list) is
	 * checked too: a field one of them lacks is an error, as in bpftrace. The
	 * tree keeps the first expansion's types, so that one is checked again
	 * last, quietly. */
	bool others = false;
	for (unsigned i = lo + 1; i < hi && c->errors == before; i++) {
		struct sema_expansion *e = &c->s->exp[i];
		if (!e->args || !e->args || ty_equal(e->args, first->args))
			continue;
		c->exp = e;
		probe_body(c, p);
		others = true;
	}
	if (!others)
		return;
	bool report = c->report;
	unsigned errors = c->errors;
	c->report = false;
	c->exp = first;
	probe_body(c, p);
	c->report = report;
	c->errors = errors;
}

static void check_program(struct checker *c)
{
	unsigned next_exp = 0;
	for (struct ast *it = c->ctx->prog->program.items; it; it = it->next) {
		unsigned lo = next_exp;
		switch (it->kind) {
		case AST_PROBE:
			while (next_exp < c->s->nexp && c->s->exp[next_exp].probe == it)
				next_exp++;
			probe(c, it, lo, next_exp);
			break;
		case AST_C_DEF:   /* read by the cdefs pass */
		case AST_CONFIG:  /* read by the config pass */
			break;
		case AST_MAP_DECL:
			sema_map_declare(c, it);
			break;
		case AST_MACRO:   /* expanded into the probes before the first round */
			break;
		case AST_IMPORT:
			sema_err(c, it->span, "import is not supported yet");
			break;
		case AST_PROGRAM: case AST_ATTACH_POINT: case AST_BLOCK: case AST_EXPR_STMT:
		case AST_ASSIGN: case AST_LET: case AST_IF: case AST_WHILE: case AST_UNROLL:
		case AST_FOR: case AST_JUMP: case AST_INT: case AST_STRING: case AST_BOOL:
		case AST_POSITIONAL: case AST_POSITIONAL_COUNT: case AST_BUILTIN: case AST_IDENT:
		case AST_VAR: case AST_MAP: case AST_CALL: case AST_UNARY: case AST_BINARY:
		case AST_TERNARY: case AST_FIELD: case AST_INDEX: case AST_CAST: case AST_TUPLE:
		case AST_RECORD: case AST_NAMED: case AST_SIZEOF: case AST_OFFSETOF: case AST_RANGE:
		case AST_BLOCK_EXPR: case AST_TYPE: case AST__COUNT:
			break;
		}
	}
}

unsigned sema_types(struct pass_ctx *ctx)
{
	struct checker c = {
		.ctx = ctx, .a = ctx->arena, .d = ctx->diag, .s = ctx->sema,
	};
	c.report = true;
	sema_expand_macros(&c);
	c.report = false;
	if (c.errors) {
		/* a bad macro call is reported once, not again by every round */
		return c.errors;
	}
	for (int round = 0; round < QUIET_ROUNDS; round++) {
		c.changed = false;
		c.errors = 0;
		check_program(&c);
		if (!c.changed)
			break;
	}
	c.report = true;
	c.errors = 0;
	check_program(&c);
	sema_map_decls_check(&c);
	if (!c.errors)
		for (unsigned i = 0; i < c.s->nmaps; i++)
			if (!c.s->maps[i].value_known && !c.s->maps[i].decl_kind) {
				sema_err(&c, c.s->maps[i].at, "Undefined map: %s", c.s->maps[i].name);
			}
	return c.errors;
}
