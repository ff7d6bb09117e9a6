/* parse: runs the flex scanner and bison parser over one registered source. */
#include "lexer/lexer.h"
#include "parser/parse.h"

#include "parser/parser.h"
#include "lexer/lexer.gen.h"
#include "parser/parse_state.h"

int lex_raw(YYSTYPE *lval, struct span *lloc, yyscan_t scanner);

/* The scanner leaves the location alone at end of input; point it just after
 * the last non-blank character so "unexpected end of file" lands on the
 * line that needed more. */
int yylex(YYSTYPE *lval, struct span *lloc, yyscan_t scanner)
{
	int tok = lex_raw(lval, lloc, scanner);
	if (tok == END) {
		struct lex_state *ls = yyget_extra(scanner);
		uint32_t p = ls->len, line = 1, col = 1;
		while (p > 0 && (ls->text[p - 1] == ' ' || ls->text[p - 1] == '\t' ||
				 ls->text[p - 1] == '\n' || ls->text[p - 1] == '\r'))
			p--;
		for (uint32_t i = 0; i < p; i++) {
			if (ls->text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		*lloc = (struct span){ .off = p, .end = p, .line = line, .col = col,
				       .end_line = line, .end_col = col, .file = ls->file };
	}
	return tok;
}

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

struct ast *parse_program(struct arena *a, struct diag *d, uint16_t file)
{
	const struct diag_source *src = diag_source(d, file);
	if (!src)
		return NULL;
	struct lex_state ls = {
		.arena = a, .diag = d, .file = file, .text = src->text,
		.len = (uint32_t)src->len, .pos = 0, .line = 1, .col = 1,
	};
	struct parse_state ps = { .arena = a, .diag = d, .ls = &ls };
	yyscan_t sc;
	if (yylex_init_extra(&ls, &sc))
		return NULL;
	YY_BUFFER_STATE buf = yy_scan_bytes(src->text, (int)src->len, sc);
	int rc = yyparse(sc, &ps);
	yy_delete_buffer(buf, sc);
	yylex_destroy(sc);
	if (rc || ls.error || ps.errors)
		return NULL;
	return check_order(d, ps.prog) ? NULL : ps.prog;
}
