/* fuzz_compile: libFuzzer target for the whole compilation: parse, attach points, expansion,
 * C definitions, types, codegen to a BPF object in memory. Nothing is loaded; tracefs and BTF
 * are read (read-only) as in `hawk --check`. Leak-free per input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opened once and kept: diagnostics are exercised, not shown. */
static FILE *null_out;

/* Positional parameters for $1..$3. */
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

	struct drv_opts o;
	drv_opts_init(&o);
	o.params = params;
	o.nparams = 3;
	o.unsafe = true;            /* system() and friends compile too */
	drv_compile(&o, text, size, null_out);
	drv_opts_free(&o);
	free(text);
	return 0;
}
