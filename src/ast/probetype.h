/* probetype: the table of probe providers by name and alias. */
#ifndef HAWK_PROBETYPE_H
#define HAWK_PROBETYPE_H

#include <stddef.h>

enum probe_type {
	PROBE_INVALID = 0,
#define PROBE(id, name, a1, a2, a3) PROBE_##id,
#include "ast/probetype.def"
#undef PROBE
	PROBE__COUNT
};

/* The provider named by s[0..n) (canonical, any case, or an exact alias). */
enum probe_type probetype_lookup(const char *s, size_t n);
const char *probetype_name(enum probe_type t);

#endif
