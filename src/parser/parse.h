/* parse: the front door of the front end: source text in, tree out. */
#ifndef HAWK_PARSE_H
#define HAWK_PARSE_H

#include "common/arena.h"
#include "common/diag.h"
#include "ast/ast.h"

/* How deep a program's tree may nest: blocks, expressions, and one level per
 * operator of a chain (a + b + c nests two deep). The passes after the parser
 * walk the tree recursively; deeper programs are refused with a located error
 * rather than let them overflow the stack (README: Limits). */
#define PARSE_MAX_DEPTH 1000

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
