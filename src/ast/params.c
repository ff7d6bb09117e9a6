/* params: getopt("name", default, "description"), the program's own options given after `--`, replaced by their values before checking. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast/sema.h"

/* What a getopt() default says the option holds (current bpftrace: no
 * default is a flag; a negative default makes a signed integer). */
enum opt_kind { OPT_BOOL, OPT_UNSIGNED, OPT_SIGNED, OPT_STRING };

struct opt {
	const char *name, *desc;
	enum opt_kind kind;
	struct ast *dflt;          /* the literal written, NULL for a flag */
};

struct params {
	struct pass_ctx *ctx;
	struct opt *opts;
	unsigned nopts;
	size_t capopts;
	unsigned errors;
};

static bool same_default(const struct ast *a, const struct ast *b)
{
	if (!a || !b)
		return a == b || (!a && b->kind == AST_BOOL && !b->boolean.value) ||
		       (!b && a->kind == AST_BOOL && !a->boolean.value);
	if (a->kind != b->kind)
		return false;
	if (a->kind == AST_INT)
		return a->num.value == b->num.value;
	if (a->kind == AST_BOOL)
		return a->boolean.value == b->boolean.value;
	if (a->kind == AST_STRING)
		return a->str.len == b->str.len && !memcmp(a->str.s, b->str.s, a->str.len);
	if (a->kind == AST_UNARY)
		return same_default(a->unary.e, b->unary.e);
	return false;
}

/* The value given on the command line: "--name=value", "--name" (NULL
 * value), or not given (false). */
static bool given(const struct pass_ctx *ctx, const char *name, const char **value)
{
	size_t n = strlen(name);
	for (int i = 0; i < ctx->nnamed; i++) {
		const char *g = ctx->named[i];
		if (!strncmp(g, name, n) && (g[n] == '=' || !g[n])) {
			*value = g[n] == '=' ? g + n + 1 : NULL;
			return true;
		}
	}
	return false;
}

static void bad_value(struct params *p, const char *name, const char *value, const char *why)
{
	diag_plain(p->ctx->diag, DIAG_ERROR, "program command line option --%s %s (value: %s)",
		   name, why, value);
	p->errors++;
}

/* The literal that stands for the option's value in the program. */
static struct ast *value_node(struct params *p, const struct opt *o, struct span at)
{
	struct arena *a = p->ctx->arena;
	const char *v;
	if (!given(p->ctx, o->name, &v))
		return o->dflt ? o->dflt : ast_bool(a, at, false);
	if (!v) {
		/* --name alone: a flag */
		if (o->kind == OPT_BOOL)
			return ast_bool(a, at, true);
		bad_value(p, o->name, "true", o->kind == OPT_STRING ? "expects a string" : "expects an integer");
		return NULL;
	}
	char *end;
	switch (o->kind) {
	case OPT_BOOL:
		if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcasecmp(v, "yes"))
			return ast_bool(a, at, true);
		if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcasecmp(v, "no"))
			return ast_bool(a, at, false);
		bad_value(p, o->name, v, "expects a boolean (e.g. 'true')");
		return NULL;
	case OPT_UNSIGNED: {
		errno = 0;
		unsigned long long u = strtoull(v, &end, 0);
		if (!*v || *end || *v == '-') {
			bad_value(p, o->name, v, "invalid integer");
			return NULL;
		}
		if (errno) {
			bad_value(p, o->name, v, "value is out of range");
			return NULL;
		}
		return ast_int(a, at, u, AST_INT_DEC, NULL);
	}
	case OPT_SIGNED: {
		errno = 0;
		long long s = strtoll(v, &end, 0);
		if (!*v || *end) {
			bad_value(p, o->name, v, "invalid integer");
			return NULL;
		}
		if (errno) {
			bad_value(p, o->name, v, "value is out of range");
			return NULL;
		}
		if (s >= 0)
			return ast_int(a, at, (uint64_t)s, AST_INT_DEC, NULL);
		return ast_unary(a, at, AST_OP_NEG, ast_int(a, at, 0 - (uint64_t)s, AST_INT_DEC, NULL));
	}
	case OPT_STRING:
		return ast_string(a, at, arena_strdup(a, v), (uint32_t)strlen(v));
	}
	return NULL;
}

/* One getopt() call: checked, its option recorded, and the call node made
 * the literal of its value (in place, so parents and lists keep it). */
static void getopt_call(struct params *p, struct ast *n)
{
	struct diag *d = p->ctx->diag;
	struct ast *name = n->call.args, *dflt = name ? name->next : NULL, *desc = dflt ? dflt->next : NULL;
	unsigned nargs = ast_list_len(n->call.args);
	if (nargs < 1 || nargs > 3) {
		diag_error(d, n->span, "The 'getopt' function can take a maximum of three arguments "
			   "and a minimum of one argument.");
		p->errors++;
		return;
	}
	if (name->kind != AST_STRING) {
		diag_error(d, name->span, "First argument to 'getopt' must be a string literal.");
		p->errors++;
		return;
	}
	struct opt o = { .name = name->str.s, .desc = "", .kind = OPT_BOOL, .dflt = dflt };
	if (desc) {
		if (desc->kind != AST_STRING) {
			diag_error(d, desc->span, "Function 'getopt' requires the third parameter to be a string literal.");
			p->errors++;
			return;
		}
		o.desc = desc->str.s;
	}
	if (dflt) {
		bool neg = dflt->kind == AST_UNARY && dflt->unary.op == AST_OP_NEG &&
			   dflt->unary.e->kind == AST_INT;
		if (dflt->kind == AST_INT)
			o.kind = OPT_UNSIGNED;
		else if (neg)
			o.kind = OPT_SIGNED;
		else if (dflt->kind == AST_STRING)
			o.kind = OPT_STRING;
		else if (dflt->kind == AST_BOOL)
			o.kind = OPT_BOOL;
		else {
			diag_error(d, dflt->span, "Second argument to 'getopt' must be a string literal, "
				   "integer literal, or a boolean literal.");
			p->errors++;
			return;
		}
	}
	struct opt *prev = NULL;
	for (unsigned i = 0; i < p->nopts; i++)
		if (!strcmp(p->opts[i].name, o.name))
			prev = &p->opts[i];
	if (prev) {
		if (!same_default(prev->dflt, o.dflt)) {
			diag_error(d, n->span, "Command line option '%s' needs to have the same default "
				   "value in all places it is used.", o.name);
			p->errors++;
			return;
		}
		if (*o.desc && *prev->desc && strcmp(o.desc, prev->desc)) {
			diag_error(d, n->span, "Command line option '%s' must have the same description "
				   "in all places it's used. Hint: You can wrap it in a macro", o.name);
			p->errors++;
			return;
		}
		if (*o.desc)
			prev->desc = o.desc;
	} else {
		p->opts = arena_grow(p->ctx->arena, p->opts, p->nopts, &p->capopts, sizeof(*p->opts));
		p->opts[p->nopts++] = o;
	}
	struct ast *v = value_node(p, prev ? prev : &o, n->span);
	if (!v)
		return;
	struct ast *next = n->next;
	struct span at = n->span;
	*n = *v;
	n->next = next;
	n->span = at;
}

static void walk(struct params *p, struct ast *n)
{
	for (; n; n = n->next) {
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(n, kids);
		for (unsigned i = 0; i < k; i++)
			walk(p, kids[i]);
		if (n->kind == AST_CALL && !strcmp(n->call.name, "getopt"))
			getopt_call(p, n);
	}
}

/* "--aa" or, for --help, each option on a line with its description. */
static void expected_hint(struct params *p, bool help)
{
	FILE *out = diag_output(p->ctx->diag);
	if (!p->nopts) {
		fprintf(out, "HINT: no custom program options defined.\n");
		return;
	}
	fprintf(out, "HINT: expected program options:%s", help ? "\n" : " ");
	for (unsigned i = 0; i < p->nopts; i++) {
		fprintf(out, "--%s", p->opts[i].name);
		if (help && *p->opts[i].desc)
			fprintf(out, ": %s", p->opts[i].desc);
		fputs(i + 1 < p->nopts ? (help ? "\n" : ", ") : "\n", out);
	}
}

unsigned sema_params(struct pass_ctx *ctx)
{
	struct params p = { .ctx = ctx };
	walk(&p, ctx->prog->program.items);
	if (p.errors)
		return p.errors;
	/* options given that no getopt() reads; --help asks for the list */
	char unexpected[1024] = "";
	size_t len = 0;
	bool help = false;
	for (int i = 0; i < ctx->nnamed; i++) {
		const char *g = ctx->named[i];
		size_t n = strcspn(g, "=");
		bool known = false;
		for (unsigned j = 0; j < p.nopts && !known; j++)
			known = strlen(p.opts[j].name) == n && !strncmp(p.opts[j].name, g, n);
		if (known)
			continue;
		if (n == 4 && !strncmp(g, "help", 4)) {
			help = true;
			continue;
		}
		if (len < sizeof unexpected)
			len += (size_t)snprintf(unexpected + len, sizeof unexpected - len, "%s--%.*s",
						len ? ", " : "", (int)n, g);
	}
	if (!len && !help)
		return 0;
	if (len)
		diag_plain(ctx->diag, DIAG_ERROR, "unexpected program command line options: %s", unexpected);
	expected_hint(&p, help && !len);
	return 1;
}
