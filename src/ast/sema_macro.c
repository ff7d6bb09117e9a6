/* sema_macro: `macro name(params) { body }` expanded into the probes before type checking. */
#include <string.h>

#include "ast/sema_impl.h"

/* A deep copy of n (its `next` not followed); attach points are shared. */
static struct ast *clone(struct arena *a, const struct ast *n);

static struct ast *clone_list(struct arena *a, const struct ast *l)
{
	struct ast *head = NULL, **tail = &head;
	for (; l; l = l->next) {
		*tail = clone(a, l);
		tail = &(*tail)->next;
	}
	return head;
}

#define CL(f) m->f = clone_list(a, n->f)
static struct ast *clone(struct arena *a, const struct ast *n)
{
	if (!n)
		return NULL;
	struct ast *m = arena_alloc(a, sizeof(*m));
	*m = *n;
	m->next = NULL;
	m->type = NULL;
	switch (n->kind) {
	case AST_PROGRAM: CL(program.items); break;
	case AST_CONFIG: CL(config.items); break;
	case AST_MACRO: CL(macro.params); CL(macro.body); break;
	case AST_MAP_DECL: CL(map_decl.args); break;
	case AST_PROBE: CL(probe.aps); CL(probe.pred); CL(probe.body); break;
	case AST_BLOCK: CL(block.stmts); break;
	case AST_EXPR_STMT: CL(expr_stmt.expr); break;
	case AST_ASSIGN: CL(assign.target); CL(assign.value); break;
	case AST_LET: CL(let.var); CL(let.type); CL(let.init); break;
	case AST_IF: CL(if_.cond); CL(if_.then); CL(if_.els); break;
	case AST_WHILE: CL(while_.cond); CL(while_.body); break;
	case AST_UNROLL: CL(unroll.count); CL(unroll.body); break;
	case AST_FOR: CL(for_.var); CL(for_.iter); CL(for_.body); break;
	case AST_JUMP: CL(jump.value); break;
	case AST_MAP: CL(map.keys); break;
	case AST_CALL: CL(call.args); break;
	case AST_UNARY: CL(unary.e); break;
	case AST_BINARY: CL(binary.l); CL(binary.r); break;
	case AST_TERNARY: CL(ternary.cond); CL(ternary.then); CL(ternary.els); break;
	case AST_FIELD: CL(field.e); break;
	case AST_INDEX: CL(index.e); CL(index.index); break;
	case AST_CAST: CL(cast.type); CL(cast.e); break;
	case AST_TUPLE: CL(tuple.elems); break;
	case AST_RECORD: CL(record.fields); break;
	case AST_NAMED: CL(named.value); break;
	case AST_SIZEOF: CL(sizeof_.arg); break;
	case AST_OFFSETOF: CL(offsetof_.type); break;
	case AST_RANGE: CL(range.lo); CL(range.hi); break;
	case AST_BLOCK_EXPR: CL(block_expr.block); break;
	case AST_TYPE: CL(tspec.of); break;
	case AST_C_DEF: case AST_IMPORT: case AST_ATTACH_POINT: case AST_INT: case AST_STRING:
	case AST_BOOL: case AST_POSITIONAL: case AST_POSITIONAL_COUNT: case AST_BUILTIN:
	case AST_IDENT: case AST_VAR: case AST__COUNT:
		break;
	}
	return m;
}
#undef CL

struct binding {
	const char *param;        /* "$x", "@x" or "x" */
	struct ast *arg;
};

/* In a copy of a macro's body: parameters become their arguments (a
 * variable or map renamed, an expression copied in); the macro's own
 * variables get a suffix, so they never meet the caller's. */
static void substitute(struct arena *a, struct ast *list, const struct binding *b, unsigned nb, const char *suffix)
{
	for (struct ast *n = list; n; n = n->next) {
		const char *name = n->kind == AST_VAR || n->kind == AST_IDENT ? n->ident.name :
				   n->kind == AST_MAP ? n->map.name : NULL;
		const struct binding *hit = NULL;
		for (unsigned i = 0; name && i < nb; i++)
			if (!strcmp(b[i].param, name))
				hit = &b[i];
		if (n->kind == AST_IDENT && hit) {
			struct ast *next = n->next;
			*n = *clone(a, hit->arg);
			n->next = next;
			continue;   /* the argument is the caller's: nothing in it is renamed */
		}
		if (n->kind == AST_VAR)
			n->ident.name = hit ? hit->arg->ident.name : arena_printf(a, "%s%s", n->ident.name, suffix);
		if (n->kind == AST_MAP && hit)
			n->map.name = hit->arg->map.name;
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(n, kids);
		for (unsigned i = 0; i < k; i++)
			substitute(a, kids[i], b, nb, suffix);
	}
}

/* The copy of a macro's body remembers the call it came from (errorf's
 * "expanded from"); a call inside it, expanded later, is its own origin. */
static void mark_expanded(struct ast *list, const struct span *from)
{
	for (struct ast *n = list; n; n = n->next) {
		if (!n->expanded_from)
			n->expanded_from = from;
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(n, kids);
		for (unsigned i = 0; i < k; i++)
			mark_expanded(kids[i], from);
	}
}

struct expander {
	struct checker *c;
	struct ast *macros[256];
	unsigned nmacros, expansions;
	struct ast *hoist, **hoist_tail;   /* statements to run before the current one */
	unsigned conditional;   /* inside an operand that may not run, or runs again (no hoisting) */
};

static struct ast *find_macro(struct expander *x, const char *name)
{
	for (unsigned i = 0; i < x->nmacros; i++)
		if (!strcmp(x->macros[i]->macro.name, name))
			return x->macros[i];
	return NULL;
}

/* The macro's body for the call n, substituted; NULL after an error. */
static struct ast *instantiate(struct expander *x, struct ast *n, struct ast *mac)
{
	struct checker *c = x->c;
	if (++x->expansions > 10000) {
		if (x->expansions == 10001)
			sema_err(c, n->span, "macro %s: expansion does not end (a macro calling itself?)", mac->macro.name);
		return NULL;
	}
	struct binding b[64];
	unsigned nb = 0;
	struct ast *p = mac->macro.params, *arg = n->call.args;
	for (; p && arg && nb < 64; p = p->next, arg = arg->next, nb++) {
		if (p->kind == AST_VAR && arg->kind != AST_VAR) {
			sema_err(c, arg->span, "macro %s: parameter %s takes a variable", mac->macro.name, p->ident.name);
			return NULL;
		}
		if (p->kind == AST_MAP && (arg->kind != AST_MAP || arg->map.keys)) {
			sema_err(c, arg->span, "macro %s: parameter %s takes a whole map", mac->macro.name, p->map.name);
			return NULL;
		}
		b[nb] = (struct binding){ p->kind == AST_MAP ? p->map.name : p->ident.name, arg };
	}
	if (p || arg) {
		sema_err(c, n->span, "macro %s takes %u argument%s (%u provided)", mac->macro.name,
			 ast_list_len(mac->macro.params), ast_list_len(mac->macro.params) == 1 ? "" : "s",
			 ast_list_len(n->call.args));
		return NULL;
	}
	struct ast *body = clone(c->a, mac->macro.body);
	struct span *from = arena_alloc(c->a, sizeof(*from));
	*from = n->span;
	mark_expanded(body->block.stmts, from);
	substitute(c->a, body->block.stmts, b, nb, arena_printf(c->a, "'m%u", x->expansions));
	return body;
}

static void expand_list(struct expander *x, struct ast *list);

/* A block used as a value, `{ stmts; value }` (current bpftrace's block
 * expression, also an `if` written as a value): its statements run just
 * before the statement that holds it, as a macro's do, and it becomes its
 * value. Where the value may not be computed, or is computed again (a
 * ternary branch, a loop condition), statements cannot move: only a block
 * that is a bare value is taken there. */
/* `if (c) { a } else { b }` ending a block used as a value is the block's
 * value, c ? a : b (the parser read it as a statement); NULL without else. */
static struct ast *if_value(struct arena *a, struct ast *s)
{
	if (s->kind != AST_IF || !s->if_.els)
		return NULL;
	struct ast *els = s->if_.els->kind == AST_IF ? if_value(a, s->if_.els)
						     : ast_block_expr(a, s->if_.els->span, s->if_.els);
	if (!els)
		return NULL;
	return ast_ternary(a, s->span, s->if_.cond, ast_block_expr(a, s->if_.then->span, s->if_.then), els);
}

static void block_value(struct expander *x, struct ast *n)
{
	struct ast *body = n->block_expr.block, *last = body->block.stmts;
	while (last && last->next)
		last = last->next;
	struct ast *iv = last ? if_value(x->c->a, last) : NULL;
	if (iv) {
		struct ast *next = last->next;
		*last = *ast_expr_stmt(x->c->a, last->span, iv);
		last->next = next;
		body->block.has_value = true;
	}
	if (!body->block.has_value || !last || last->kind != AST_EXPR_STMT) {
		sema_err(x->c, n->span, "a block used as a value must end with an expression");
		return;
	}
	if (last != body->block.stmts && x->conditional) {
		sema_err(x->c, n->span, "a block with statements is not supported yet as a value that "
			 "may not be computed, or is computed again (a ternary or if branch, the right of "
			 "&& or ||, a loop condition, a predicate)");
		return;
	}
	expand_list(x, body->block.stmts);
	/* expanding may have rewritten the list: find the value again */
	for (last = body->block.stmts; last && last->next; last = last->next)
		;
	for (struct ast *s = body->block.stmts; s != last;) {
		struct ast *sn = s->next;
		s->next = NULL;
		*x->hoist_tail = s;
		x->hoist_tail = &s->next;
		s = sn;
	}
	struct ast *next = n->next;
	*n = *last->expr_stmt.expr;
	n->next = next;
}

/* Calls to macros inside an expression tree: a body that is one value
 * becomes that value; one with statements becomes a block expression. */
static void expand_expr(struct expander *x, struct ast *n)
{
	for (; n; n = n->next) {
		if (n->kind == AST_IDENT) {
			/* a macro without parameters may be named without parentheses */
			struct ast *m0 = find_macro(x, n->ident.name);
			if (m0 && !m0->macro.params) {
				const char *name = n->ident.name;
				n->kind = AST_CALL;
				n->call.name = name;
				n->call.args = NULL;
				n->call.bi = 0;
			}
		}
		if (n->kind == AST_BLOCK_EXPR) {
			block_value(x, n);
			if (n->kind == AST_BLOCK_EXPR)
				continue;   /* an error was reported */
			/* n is now the block's value, which may hold more */
		}
		struct ast *mac = n->kind == AST_CALL ? find_macro(x, n->call.name) : NULL;
		if (mac && ast_list_len(mac->macro.params) != ast_list_len(n->call.args) && bi_lookup_call(n->call.name))
			mac = NULL;   /* the builtin of that name, at another arity */
		if (mac) {
			struct ast *body = instantiate(x, n, mac);
			if (!body)
				continue;
			expand_list(x, body->block.stmts);
			struct ast *next = n->next, *last = body->block.stmts;
			while (last && last->next)
				last = last->next;
			if (!body->block.has_value || !last || last->kind != AST_EXPR_STMT) {
				sema_err(x->c, n->span, "macro %s has no value to use here (its body ends with a statement)",
					 mac->macro.name);
				continue;
			}
			/* the statements before the value run just before the
			 * statement that holds the call */
			for (struct ast *s = body->block.stmts; s != last;) {
				struct ast *sn = s->next;
				s->next = NULL;
				*x->hoist_tail = s;
				x->hoist_tail = &s->next;
				s = sn;
			}
			*n = *last->expr_stmt.expr;
			n->next = next;
			continue;
		}
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(n, kids);
		for (unsigned i = 0; i < k; i++) {
			/* a ternary's branches and the right of && and || may not run */
			bool cond = (n->kind == AST_TERNARY && i > 0) ||
				    (n->kind == AST_BINARY && i == 1 &&
				     (n->binary.op == AST_OP_LAND || n->binary.op == AST_OP_LOR));
			x->conditional += cond;
			if (kids[i]->kind == AST_BLOCK)
				expand_list(x, kids[i]->block.stmts);
			else
				expand_expr(x, kids[i]);
			x->conditional -= cond;
		}
	}
}

/* Statements: a macro called as a statement becomes its body, a block. */
/* assert(cond, msg), current bpftrace's stdlib macro, as the statement it
 * stands for: if (!cond) { errorf("assert failed: %s", msg); exit(1); },
 * located at the call. */
static void lower_assert(struct arena *a, struct ast *s, struct ast *e)
{
	struct ast *cond = e->call.args, *msg = cond->next;
	cond->next = msg->next = NULL;
	struct ast *fmt = ast_string(a, e->span, "assert failed: %s", 17);
	fmt->next = msg;
	struct ast *err = ast_expr_stmt(a, e->span, ast_call(a, e->span, "errorf", fmt));
	err->next = ast_expr_stmt(a, e->span, ast_call(a, e->span, "exit", ast_int(a, e->span, 1, AST_INT_DEC, "1")));
	struct ast *next = s->next;
	*s = *ast_if(a, s->span, ast_unary(a, cond->span, AST_OP_NOT, cond), ast_block(a, e->span, err, false), NULL);
	s->next = next;
}

static void expand_list(struct expander *x, struct ast *list)
{
	struct ast *saved = x->hoist, **saved_tail = x->hoist_tail;
	for (struct ast *s = list; s; s = s->next) {
		x->hoist = NULL;
		x->hoist_tail = &x->hoist;
		struct ast *e = s->kind == AST_EXPR_STMT ? s->expr_stmt.expr : NULL;
		struct ast *mac = e && e->kind == AST_CALL ? find_macro(x, e->call.name) : NULL;
		if (mac && ast_list_len(mac->macro.params) != ast_list_len(e->call.args) && bi_lookup_call(e->call.name))
			mac = NULL;
		if (!mac && e && e->kind == AST_CALL && !strcmp(e->call.name, "assert") &&
		    ast_list_len(e->call.args) == 2)
			lower_assert(x->c->a, s, e);
		if (mac) {
			struct ast *body = instantiate(x, e, mac);
			if (!body)
				continue;
			struct ast *next = s->next;
			*s = *body;
			s->block.has_value = false;
			s->next = next;
			expand_list(x, s->block.stmts);
			continue;
		}
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(s, kids);
		for (unsigned i = 0; i < k; i++) {
			if (kids[i]->kind == AST_BLOCK)
				expand_list(x, kids[i]->block.stmts);
			else if (s->kind == AST_BLOCK)
				expand_list(x, kids[i]);
			else {
				/* a loop's condition runs again each time round */
				bool cond = s->kind == AST_WHILE && i == 0;
				x->conditional += cond;
				expand_expr(x, kids[i]);
				x->conditional -= cond;
			}
		}
		if (x->hoist) {
			/* s becomes { hoisted statements; s } */
			struct ast *copy = arena_alloc(x->c->a, sizeof(*copy));
			*copy = *s;
			copy->next = NULL;
			*x->hoist_tail = copy;
			struct ast *next = s->next;
			*s = *ast_block(x->c->a, s->span, x->hoist, false);
			s->next = next;
		}
	}
	x->hoist = saved;
	x->hoist_tail = saved_tail;
}

void sema_expand_macros(struct checker *c)
{
	struct expander x = { .c = c };
	x.hoist_tail = &x.hoist;
	for (struct ast *it = c->ctx->prog->program.items; it; it = it->next)
		if (it->kind == AST_MACRO && x.nmacros < 256) {
			if (find_macro(&x, it->macro.name))
				sema_err(c, it->span, "macro %s is defined twice", it->macro.name);
			else
				x.macros[x.nmacros++] = it;
		}
	/* no early return without macros: block expressions are lowered here too */
	for (struct ast *it = c->ctx->prog->program.items; it; it = it->next)
		if (it->kind == AST_PROBE) {
			x.conditional = 1;   /* a predicate has no statement to run before */
			expand_expr(&x, it->probe.pred);
			x.conditional = 0;
			expand_list(&x, it->probe.body->block.stmts);
		}
}
