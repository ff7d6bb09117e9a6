/* provider: the table of probe providers and the '*' matcher they share. */
#include "probes/provider.h"

#include <string.h>

/* Sorted by name, so that a listing of several providers comes out sorted. */
const struct rt_provider *const rt_providers[] = {
	&rt_prov_begin, &rt_prov_end, &rt_prov_fentry, &rt_prov_fexit,
	&rt_prov_hardware, &rt_prov_interval, &rt_prov_iter, &rt_prov_kprobe,
	&rt_prov_kretprobe, &rt_prov_profile, &rt_prov_rawtracepoint, &rt_prov_self,
	&rt_prov_software, &rt_prov_tracepoint, &rt_prov_uprobe, &rt_prov_uretprobe,
	&rt_prov_usdt,
};
const size_t rt_nproviders = sizeof(rt_providers) / sizeof(rt_providers[0]);

const struct rt_provider *rt_provider_of(enum probe_type t)
{
	for (size_t i = 0; i < rt_nproviders; i++)
		if (rt_providers[i]->type == t)
			return rt_providers[i];
	return NULL;
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
