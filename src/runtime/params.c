/* params: $1..$N of an artifact, given when it runs (desc.params says how the code reads each). */
#include "runtime/params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/globals.h"

/* bpftrace's rule for a parameter: an integer when the whole text is one
 * (sema's positional()); past INT64_MAX it is read unsigned. */
static bool is_int(const char *v, long long *out)
{
	char *end;
	(void)strtoll(v, &end, 0);
	if (!*v || *end)
		return false;
	errno = 0;
	unsigned long long u = strtoull(v, &end, 0);
	*out = *v != '-' && !errno ? (long long)u : strtoll(v, NULL, 0);
	return true;
}

static const char *value(const struct desc *d, char *const *argv, int argc, uint32_t i)
{
	if (argc < 0)
		return d->params[i].text ? d->params[i].text : "";
	return (int)i < argc ? argv[i] : "";
}

int rt_params_check(const struct desc *d, char *const *argv, int argc, struct diag *dg)
{
	if (argc < 0)
		return 0;
	for (uint32_t i = 0; i < d->nparams; i++) {
		const struct desc_param *p = &d->params[i];
		const char *v = value(d, argv, argc, i);
		long long x;
		switch (p->use) {
		case DESC_PARAM_UNUSED:
			break;
		case DESC_PARAM_INT:
			if (!is_int(v, &x)) {
				diag_plain(dg, DIAG_ERROR, "$%u is '%s', but the artifact reads $%u as an "
					   "integer (it was compiled with '%s')", i + 1, v, i + 1, p->text);
				return -1;
			}
			break;
		case DESC_PARAM_STR:
			if (strlen(v) >= p->size) {
				diag_plain(dg, DIAG_ERROR, "$%u is %zu bytes long; the artifact has room for "
					   "%u: compile it with a value that long", i + 1, strlen(v), p->size - 1);
				return -1;
			}
			break;
		case DESC_PARAM_FIXED:
			if (strcmp(v, p->text)) {
				diag_plain(dg, DIAG_ERROR, "$%u is '%s', but the artifact was compiled with "
					   "'%s', which shaped its code (an attach point, a constant argument, "
					   "unroll, str()): compile it again with this value", i + 1, v, p->text);
				return -1;
			}
			break;
		}
	}
	return 0;
}

/* Sets the [size x u8] .rodata variable `name`, NUL-padded. */
static int set_bytes(struct bpf_object *obj, const char *name, const char *v, uint32_t size)
{
	char buf[4096];
	if (size > sizeof(buf))
		return -EINVAL;
	memset(buf, 0, size);
	memcpy(buf, v, strnlen(v, size - 1));
	return rt_global_set_bytes(obj, name, buf, size);
}

int rt_params_set(struct bpf_object *obj, const struct desc *d, char *const *argv, int argc)
{
	uint32_t count = argc < 0 ? d->params_given : (uint32_t)argc;
	int err = rt_global_set(obj, DESC_VAR_NPARAMS, count);
	if (err && err != -ENOENT)
		return err;
	for (uint32_t i = 0; i < d->nparams; i++) {
		const struct desc_param *p = &d->params[i];
		const char *v = value(d, argv, argc, i);
		char name[32];
		snprintf(name, sizeof(name), "%s%u", DESC_VAR_PARAM, i + 1);
		long long x = 0;
		if (p->size)   /* read as a string (a fixed one too) */
			err = set_bytes(obj, name, v, p->size);
		else
			err = rt_global_set(obj, name, is_int(v, &x) ? (uint64_t)x : 0);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}
