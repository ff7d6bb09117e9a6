/* parse: the front door of the front end: source text in, tree out. */
#ifndef HAWK_PARSE_H
#define HAWK_PARSE_H

#include "arena.h"
#include "diag.h"
#include "ast/ast.h"

/* Parse the source registered in `d` as `file`. Returns the program; on a
 * syntax error reports it through `d` (one error, located) and returns NULL.
 * The source text must stay alive as long as the tree. */
struct ast *parse_program(struct arena *a, struct diag *d, uint16_t file);

/* Split every attach point of the program into its parts (provider, target,
 * function, offset, unit...), substituting positional parameters `$N` from
 * params[0..nparams). Returns the number of errors reported. */
unsigned ap_parse_program(struct ast *prog, struct arena *a, struct diag *d,
			  char *const *params, int nparams);

/* One attach point; the same, for a single node (used by -l patterns too). */
unsigned ap_parse(struct ast *ap, struct arena *a, struct diag *d,
		  char *const *params, int nparams);

#endif
