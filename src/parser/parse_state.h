/* parse_state: what the grammar actions and the scanner share during one parse. */
#ifndef HAWK_PARSE_STATE_H
#define HAWK_PARSE_STATE_H

#include "common/arena.h"
#include "common/diag.h"
#include "ast/ast.h"
#include "lexer/lexer.h"

struct parse_state {
	struct arena *arena;
	struct diag *diag;
	struct lex_state *ls;
	struct ast *prog;
	unsigned errors;
	bool quiet;              /* the fast parser: count a syntax error, leave the words to the twin */
};

#endif
