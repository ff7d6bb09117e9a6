/* probetype: provider names and aliases, looked up from probetype.def. */
#include "common/probetype.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *name, *alias[3];
} probetypes[PROBE__COUNT] = {
#define PROBE(id, name, a1, a2, a3) [PROBE_##id] = { #name, { a1, a2, a3 } },
#include "common/probetype.def"
#undef PROBE
};

enum probe_type probetype_lookup(const char *s, size_t n)
{
	for (int t = 1; t < PROBE__COUNT; t++)
		for (int i = 0; i < 3; i++) {
			const char *a = probetypes[t].alias[i];
			if (a && strlen(a) == n && !memcmp(a, s, n))
				return (enum probe_type)t;
		}
	for (int t = 1; t < PROBE__COUNT; t++) {
		const char *c = probetypes[t].name;
		if (strlen(c) == n && !strncasecmp(c, s, n))
			return (enum probe_type)t;
	}
	return PROBE_INVALID;
}

const char *probetype_name(enum probe_type t)
{
	return t > PROBE_INVALID && t < PROBE__COUNT ? probetypes[t].name : "invalid";
}

const char *probetype_class(enum probe_type t)
{
	if (t == PROBE_BEGIN || t == PROBE_END || t == PROBE_SELF)
		return "special";
	return t == PROBE_BENCH ? "benchmark" : probetype_name(t);
}
