/* provider: the table of probe type records and the '*' matcher they share. */
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

/* Every probe type's record, by type: the listed ones above and those -l
 * does not show (watchpoints name an address, test and bench are not run). */
static const struct rt_provider *const records[PROBE__COUNT] = {
	[PROBE_BEGIN] = &rt_prov_begin, [PROBE_END] = &rt_prov_end, [PROBE_SELF] = &rt_prov_self,
	[PROBE_TEST] = &rt_prov_test, [PROBE_BENCH] = &rt_prov_bench,
	[PROBE_KPROBE] = &rt_prov_kprobe, [PROBE_KRETPROBE] = &rt_prov_kretprobe,
	[PROBE_UPROBE] = &rt_prov_uprobe, [PROBE_URETPROBE] = &rt_prov_uretprobe,
	[PROBE_USDT] = &rt_prov_usdt, [PROBE_TRACEPOINT] = &rt_prov_tracepoint,
	[PROBE_RAWTRACEPOINT] = &rt_prov_rawtracepoint,
	[PROBE_FENTRY] = &rt_prov_fentry, [PROBE_FEXIT] = &rt_prov_fexit,
	[PROBE_PROFILE] = &rt_prov_profile, [PROBE_INTERVAL] = &rt_prov_interval,
	[PROBE_SOFTWARE] = &rt_prov_software, [PROBE_HARDWARE] = &rt_prov_hardware,
	[PROBE_WATCHPOINT] = &rt_prov_watchpoint, [PROBE_ASYNCWATCHPOINT] = &rt_prov_asyncwatchpoint,
	[PROBE_ITER] = &rt_prov_iter,
};

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
