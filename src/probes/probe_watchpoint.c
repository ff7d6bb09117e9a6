/* probe_watchpoint: watchpoint:ADDRESS:LENGTH:MODE and asyncwatchpoint:FUNC+argN:LENGTH:MODE, hardware breakpoints. */
#include <string.h>

#include "probes/point.h"
#include "probes/provider.h"

static void parse_watchpoint(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (n != 4) {
		pt_err(c, "invalid watchpoint, expected %s:ADDRESS:LENGTH:MODE", pt->provider);
		return;
	}
	pt_func_or_addr(c, pt, parts[1], true);
	if (pt->ptype == PROBE_ASYNCWATCHPOINT && pt->has_addr)
		pt_err(c, "asyncwatchpoint needs a function argument (func+argN), not an address");
	if (!pt_parse_u64(parts[2], &pt->freq) ||
	    (pt->freq != 1 && pt->freq != 2 && pt->freq != 4 && pt->freq != 8)) {
		pt_err(c, "invalid watchpoint length '%s', expected 1, 2, 4 or 8", parts[2]);
		return;
	}
	pt->has_freq = true;
	const char *m = parts[3];
	bool seen[3] = { false, false, false };
	for (; *m; m++) {
		const char *k = strchr("rwx", *m);
		if (!k || seen[k - "rwx"]) {
			pt_err(c, "invalid watchpoint mode '%s', expected a combination of r, w and x", parts[3]);
			return;
		}
		seen[k - "rwx"] = true;
	}
	if (!parts[3][0])
		pt_err(c, "watchpoint mode is empty, expected a combination of r, w and x");
	pt->mode = parts[3];
}

const struct rt_provider rt_prov_watchpoint = {
	.type = PROBE_WATCHPOINT, .name = "watchpoint", .form = "watchpoint:ADDRESS:LENGTH:MODE",
	.parse = parse_watchpoint,
	.wildcards = true, .expand = RT_EXPAND_WATCHPOINT, .section = "perf_event",
	.attach = RT_ATTACH_WATCHPOINT,
};

const struct rt_provider rt_prov_asyncwatchpoint = {
	.type = PROBE_ASYNCWATCHPOINT, .name = "asyncwatchpoint",
	.form = "asyncwatchpoint:FUNCTION+argN:LENGTH:MODE", .parse = parse_watchpoint,
	.wildcards = true, .expand = RT_EXPAND_WATCHPOINT, .section = "perf_event",
	.attach = RT_ATTACH_WATCHPOINT,
};
