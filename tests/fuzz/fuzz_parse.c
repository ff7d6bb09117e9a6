/* fuzz_parse: libFuzzer target for the front end: parse, split attach points, dump; leak-free. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/diag.h"
#include "ast/ast.h"
#include "parser/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opened once and kept: diagnostics and dumps are exercised, not shown. */
static FILE *null_out;

/* Positional parameters for $1..$3 in attach points. */
static char *params[] = { "1", "vfs_read", "/bin/sh" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!null_out) {
		null_out = fopen("/dev/null", "w");
		if (!null_out)
			abort();
	}
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	struct diag *d = diag_new(null_out);
	struct arena *a = arena_new();
	uint16_t file = diag_source_add(d, "fuzz.bt", text, size);
	struct ast *prog = parse_program(a, d, file);
	if (prog) {
		ap_parse_program(prog, a, d, params, 3);
		ast_dump(null_out, prog);
	}
	arena_free(a);
	diag_free(d);
	free(text);
	return 0;
}
