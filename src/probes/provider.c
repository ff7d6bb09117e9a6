/* provider: the table of probe type records and the '*' matcher they share. */
#include "probes/provider.h"

#include <stdlib.h>
#include <string.h>

/* Every probe type's record, by type, from probetype.def. */
static const struct rt_provider *const records[PROBE__COUNT] = {
#define PROBE(id, name, a1, a2, a3) [PROBE_##id] = &rt_prov_##name,
#include "common/probetype.def"
#undef PROBE
};

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct rt_provider *const *)a)->name,
		      (*(const struct rt_provider *const *)b)->name);
}

const struct rt_provider *const *rt_providers_listed(size_t *n)
{
	/* Sorted by name once, so that a listing of several comes out sorted;
	 * watchpoints (an address), test and bench list nothing. */
	static const struct rt_provider *sorted[PROBE__COUNT];
	static size_t count;
	if (!count) {
		for (int t = PROBE_INVALID + 1; t < PROBE__COUNT; t++)
			if (records[t]->list)
				sorted[count++] = records[t];
		qsort(sorted, count, sizeof(*sorted), by_name);
	}
	*n = count;
	return sorted;
}

const struct rt_provider *rt_provider_of(enum probe_type t)
{
	return t > PROBE_INVALID && t < PROBE__COUNT ? records[t] : NULL;
}

bool rt_attach_reversed(enum probe_type t, const char *func)
{
	const struct rt_provider *k = rt_provider_of(t);
	if (!k || !(k->flags & RT_PROV_REVERSE))
		return false;
	return !k->newest_first || k->newest_first(func ? func : "");
}

bool rt_has_wild(const char *s)
{
	return strchr(s, '*') != NULL;
}

/* Greedy with one backtrack point: on a mismatch, let the last '*' swallow
 * one more character. Linear in practice, no recursion. */
bool rt_glob(const char *pat, const char *s, size_t n)
{
	const char *star = NULL;
	size_t i = 0, resume = 0;

	while (i < n) {
		if (*pat == '*') {
			star = ++pat;
			resume = i;
		} else if (*pat && *pat == s[i]) {
			pat++;
			i++;
		} else if (star) {
			pat = star;
			i = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

const char *rt_match_part(const struct rt_match *m, unsigned i, unsigned arity)
{
	if (m->nparts > arity)
		return NULL;
	unsigned missing = arity - m->nparts;
	return i < missing ? "*" : m->part[i - missing];
}

/* A two-part entry "name:" whose second part (a count or a rate) is left
 * empty, as bpftrace lists them; the pattern's parts align to the left. */
bool rt_match_name_colon(const struct rt_match *m, const char *name)
{
	if (m->nparts > 0 && !rt_glob(m->part[0], name, strlen(name)))
		return false;
	return m->nparts < 2 || rt_glob(m->part[1], "", 0);
}
