/* builtin: the rows of builtin.def as data, and name look-up. */
#include <ctype.h>
#include <string.h>

#include "common/builtin.h"

static const struct bi_info rows[BI__COUNT] = {
#define BI(id, name, form, min, max, probes, result, check, emit) \
	[BI_##id] = { name, BI_FORM_##form, min, max, BI_P_##probes, BI_RES_##result },
#include "common/builtin.def"
#undef BI
};

const struct bi_info *bi_info(enum bi_id id)
{
	return &rows[id < BI__COUNT ? id : BI_NONE];
}

/* A linear scan: called once per use in a program, after parsing (the
 * lexer's DFA already told builtins from identifiers). */
enum bi_id bi_lookup_call(const char *name)
{
	for (unsigned i = 1; i < BI__COUNT; i++)
		if (rows[i].form != BI_FORM_NUMBERED && !strcmp(rows[i].name, name))
			return (enum bi_id)i;
	return BI_NONE;
}

enum bi_id bi_lookup_value(const char *name)
{
	for (unsigned i = 1; i < BI__COUNT; i++) {
		const struct bi_info *r = &rows[i];
		if (r->form == BI_FORM_NUMBERED) {
			size_t n = strlen(r->name), d = 0;
			if (strncmp(r->name, name, n))
				continue;
			while (isdigit((unsigned char)name[n + d]))
				d++;
			if (d >= 1 && d <= 3 && !name[n + d])
				return (enum bi_id)i;
		} else if ((r->form == BI_FORM_VALUE || r->form == BI_FORM_BOTH) && !strcmp(r->name, name)) {
			return (enum bi_id)i;
		}
	}
	return BI_NONE;
}
