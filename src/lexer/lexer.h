/* lexer: state shared between the flex scanner and the parser driver (parse.c). */
#ifndef HAWK_LEXER_H
#define HAWK_LEXER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/diag.h"

/* What the tokens carry (members of the parser's YYSTYPE): plain values. The
 * scanner makes tokens, never tree nodes; the grammar's actions build those. */
enum lex_int_form { LEX_INT_DEC, LEX_INT_HEX, LEX_INT_OCT, LEX_INT_SCI, LEX_INT_DURATION };
struct lex_int {
	uint64_t value;         /* durations in nanoseconds */
	enum lex_int_form form;
	const char *text;       /* the literal as written */
};
struct lex_str {
	const char *s;          /* escapes decoded, NUL-terminated, in the arena */
	uint32_t len;
};
enum lex_cdef_kind { LEX_CDEF_PREPROC, LEX_CDEF_STRUCT, LEX_CDEF_UNION, LEX_CDEF_ENUM };
struct lex_cdef {
	enum lex_cdef_kind kind;
	const char *name;       /* the struct/union/enum tag, or NULL */
	const char *text;       /* the whole definition or directive as written */
};

/* The scanner starts in attach-point mode at the top level of a program and
 * switches to code tokens inside braces, predicates and declarations. */
struct lex_state {
	struct arena *arena;
	struct diag *diag;
	uint16_t file;
	const char *text;       /* the whole source; spans index into it */
	uint32_t len;

	uint32_t pos, line, col; /* where the next token starts */
	int depth;               /* brace depth in code and declarations */
	bool error;              /* a lexical error was reported already */

	/* a struct/union/enum definition being collected at the top level */
	struct span cdef_at;
	enum lex_cdef_kind cdef_kind;
	const char *cdef_name;
	int cdef_depth;
};

/* Report a lexical error once per token and remember that one was reported,
 * so the parser does not add a second error for the same mistake. */
void lex_error(struct lex_state *ls, struct span at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
