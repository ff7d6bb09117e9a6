/* sema_const: names that are C constants (macros, enum constants, well-known kernel values), folded into the tree. */
#include <string.h>

#include "ast/cdefs.h"
#include "ast/sema_impl.h"

/* The node becomes the literal it names, so later rounds, -d types and
 * codegen see a plain integer or string. */
static const struct ty *fold_int(struct checker *c, struct ast *n, const char *name, int64_t v)
{
	n->kind = AST_INT;
	n->num.value = (uint64_t)v;
	n->num.form = AST_INT_DEC;
	n->num.text = name;
	/* an enum constant keeps its enum type (sema_expr's AST_INT reads it
	 * back from the node), so that it prints by name */
	const struct ty *et = cdefs_const_type(c->ctx->cdefs, name);
	const struct ty *t = et ? ty_widen(c->a, et) : ty_int(8, true);
	n->type = (void *)t;
	return t;
}

static const struct ty *fold_string(struct checker *c, struct ast *n, const char *s, uint32_t len)
{
	n->kind = AST_STRING;
	n->str.s = arena_strndup(c->a, s, len);
	n->str.len = len;
	return ty_string(c->a, len + 1);
}

const struct ty *sema_ident(struct checker *c, struct ast *n)
{
	if (!strncmp(n->ident.name, "__builtin_", 10) && bi_lookup_value(n->ident.name + 10)) {
		/* current bpftrace's spelling of a builtin a script may shadow:
		 * __builtin_comm is comm */
		n->kind = AST_BUILTIN;
		n->ident.name += 10;
		return sema_builtin(c, n);
	}
	enum bi_id fn = strncmp(n->ident.name, "__builtin_", 10) ? BI_NONE : bi_lookup_call(n->ident.name + 10);
	if (fn != BI_NONE && bi_info(fn)->min == 0 && bi_info(fn)->form == BI_FORM_CALL) {
		/* __builtin_config: a function without arguments named bare */
		const char *name = n->ident.name + 10;
		n->kind = AST_CALL;
		n->call.name = name;
		n->call.args = NULL;
		n->call.bi = 0;
		return sema_expr(c, n);
	}
	const char *name = n->ident.name, *s = NULL;
	int64_t v = 0;
	uint32_t len = 0;
	switch (cdefs_ident(c->ctx->cdefs, name, &v, &s, &len)) {
	case 1:
		return fold_int(c, n, name, v);
	case 2:
		return fold_string(c, n, s, len);
	case -1:
		sema_err(c, n->span, "macro '%s' does not expand to an integer or string constant", name);
		return ty_none();
	default:
		sema_err(c, n->span, "Unknown identifier: '%s'", name);
		return ty_none();
	}
}

/* NAME(args) where NAME is a function-like macro: its value for constant
 * arguments. NULL when NAME is no macro. */
const struct ty *sema_macro_call(struct checker *c, struct ast *n)
{
	struct cdefs *cd = c->ctx->cdefs;
	if (!cd || !cd->cpp || !cpp_is_macro(cd->cpp, n->call.name))
		return NULL;
	int64_t args[16];
	int nargs = 0;
	for (struct ast *a = n->call.args; a; a = a->next) {
		const struct ty *t = sema_expr(c, a);
		if (sema_poisoned(t))
			return ty_none();
		if (a->kind != AST_INT || nargs >= 16) {
			sema_err(c, a->span, "the arguments of macro %s must be integer constants", n->call.name);
			return ty_none();
		}
		args[nargs++] = (int64_t)a->num.value;
	}
	const char *name = n->call.name, *s = NULL;
	int64_t v = 0;
	uint32_t len = 0;
	int r = cpp_macro_value(cd->cpp, name, args, nargs, true, &v, &s, &len);
	if (r <= 0) {
		sema_err(c, n->span, "macro '%s' does not expand to an integer or string constant", name);
		return ty_none();
	}
	return s ? fold_string(c, n, s, len) : fold_int(c, n, name, v);
}
