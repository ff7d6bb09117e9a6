/* parse: runs the flex scanner and bison parser over one registered source. */
#include "lexer/lexer.h"
#include "parser/parse.h"

#include <stdlib.h>

#include "parser/parser.h"
#include "lexer/lexer.gen.h"
#include "parser/parse_state.h"

/* The order current bpftrace enforces: C definitions, then config and
 * imports, then probes, macros and map declarations. */
static unsigned section(const struct ast *n)
{
	return n->kind == AST_C_DEF ? 0 : n->kind == AST_CONFIG || n->kind == AST_IMPORT ? 1 : 2;
}

static unsigned check_order(struct diag *d, const struct ast *prog)
{
	static const char *const what[] = { "C definitions", NULL, "probes and functions" };
	unsigned seen = 0, errors = 0;
	for (const struct ast *it = prog->program.items; it; it = it->next) {
		unsigned s = section(it);
		if (s < seen) {
			const char *name = s == 0 ? "C definitions" :
					   it->kind == AST_CONFIG ? "config" : "imports";
			diag_error(d, it->span, "%s must appear before %s", name,
				   what[seen] ? what[seen] : "config and imports");
			errors++;
		}
		if (s > seen)
			seen = s;
	}
	return errors;
}

/* The tree's nesting, measured without recursion (an explicit stack of
 * nodes to visit): the first node at PARSE_MAX_DEPTH with children is
 * reported. A chain of one kind (a + b + c, - - - x, a ? b : c ? ...) is
 * reported at its outermost node, where the chain starts in the source. */
static unsigned check_depth(struct diag *d, struct ast *prog)
{
	struct item { struct ast *n; const struct ast *chain; unsigned depth; };
	size_t cap = 256, top = 0;
	struct item *stack = xmalloc(cap * sizeof(*stack));
	unsigned errors = 0;
	stack[top++] = (struct item){ prog, prog, 0 };
	while (top) {
		struct item it = stack[--top];
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(it.n, kids);
		if (k && it.depth == PARSE_MAX_DEPTH) {
			diag_error(d, it.chain->span, "the program nests more than %u levels deep here "
				   "(blocks, expressions, and one level per operator in a chain)",
				   PARSE_MAX_DEPTH);
			errors++;
			break;
		}
		bool chains = it.n->kind == AST_BINARY || it.n->kind == AST_UNARY ||
			      it.n->kind == AST_TERNARY;
		for (unsigned i = 0; i < k; i++)
			for (struct ast *c = kids[i]; c; c = c->next) {
				if (top == cap) {
					cap *= 2;
					stack = xrealloc(stack, cap * sizeof(*stack));
				}
				const struct ast *chain = chains && c->kind == it.n->kind ? it.chain : c;
				stack[top++] = (struct item){ c, chain, it.depth + 1 };
			}
	}
	free(stack);
	return errors;
}

/* The LAC twin of yyparse (see parser.y): same grammar, precise messages. */
int lac_yyparse(yyscan_t scanner, struct parse_state *ps);

static int run_parser(int (*parse)(yyscan_t, struct parse_state *), struct lex_state *ls,
		      struct parse_state *ps, const struct diag_source *src)
{
	yyscan_t sc;
	if (yylex_init_extra(ls, &sc))
		return -1;
	YY_BUFFER_STATE buf = yy_scan_bytes(src->text, (int)src->len, sc);
	int rc = parse(sc, ps);
	yy_delete_buffer(buf, sc);
	yylex_destroy(sc);
	return rc;
}

struct ast *parse_program(struct arena *a, struct diag *d, uint16_t file)
{
	const struct diag_source *src = diag_source(d, file);
	if (!src)
		return NULL;
	struct lex_state ls = {
		.arena = a, .diag = d, .file = file, .text = src->text,
		.len = (uint32_t)src->len, .pos = 0, .line = 1, .col = 1,
	};
	struct parse_state ps = { .arena = a, .diag = d, .ls = &ls, .quiet = true };
	int rc = run_parser(yyparse, &ls, &ps, src);
	if (ps.errors && !ls.error) {
		/* A syntax error: parse again with the twin, which reports it. */
		struct lex_state ls2 = ls;
		ls2.pos = 0;
		ls2.line = ls2.col = 1;
		ls2.depth = 0;
		struct parse_state ps2 = { .arena = a, .diag = d, .ls = &ls2 };
		run_parser(lac_yyparse, &ls2, &ps2, src);
		if (!ps2.errors && !ls2.error)
			diag_error(d, (struct span){ .file = file, .line = 1, .col = 1 },
				   "internal: the parsers disagree about this program");
		return NULL;
	}
	if (rc || ls.error || ps.errors)
		return NULL;
	if (check_depth(d, ps.prog))
		return NULL;
	return check_order(d, ps.prog) ? NULL : ps.prog;
}
