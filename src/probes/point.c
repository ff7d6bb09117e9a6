/* point: number, duration, function+offset and rate parsing shared by the probe types' parse hooks. */
#include "probes/point.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void pt_err(struct pt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(c->diag, DIAG_ERROR, c->span, fmt, ap);
	va_end(ap);
	c->errors++;
}

bool pt_parse_u64(const char *s, uint64_t *out)
{
	char tmp[64];
	size_t n = 0;
	if (!*s)
		return false;
	for (; *s && n + 1 < sizeof tmp; s++)
		if (*s != '_')
			tmp[n++] = *s;
	if (*s)
		return false;
	tmp[n] = 0;
	if (!isdigit((unsigned char)tmp[0]))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(tmp, &end, 0);
	/* 1e6: scientific notation, as bpftrace takes it in counts and rates */
	if (!errno && (*end == 'e' || *end == 'E') && end[1] && tmp[0] != '0') {
		char *e2;
		unsigned long long x = strtoull(end + 1, &e2, 10);
		if (*e2 || x > 19)
			return false;
		while (x--) {
			if (v > UINT64_MAX / 10)
				return false;
			v *= 10;
		}
		*out = v;
		return true;
	}
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool pt_parse_duration(const char *s, uint64_t *ns, const char **unit)
{
	static const struct { const char *u; uint64_t m; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	size_t i = 0;
	while (isdigit((unsigned char)s[i]) || s[i] == '_')
		i++;
	if (i == 0)
		return false;
	char num[64];
	if (i >= sizeof num)
		return false;
	memcpy(num, s, i);
	num[i] = 0;
	uint64_t v;
	if (!pt_parse_u64(num, &v))
		return false;
	if (!s[i]) {
		*ns = v;
		*unit = "ns";
		return true;
	}
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
		if (!strcmp(s + i, units[u].u)) {
			if (v > UINT64_MAX / units[u].m)
				return false;
			*ns = v * units[u].m;
			*unit = "ns";
			return true;
		}
	return false;
}

void pt_func_or_addr(struct pt_ctx *c, struct probe_point *pt, const char *s, bool allow_offset)
{
	uint64_t v;
	if (isdigit((unsigned char)s[0]) && pt_parse_u64(s, &v)) {
		pt->addr = v;
		pt->has_addr = true;
		return;
	}
	if (!*s) {
		pt_err(c, "%s attach point has no function name", probetype_name(pt->ptype));
		return;
	}
	const char *plus = strrchr(s, '+');
	/* '+' appears in no symbol name but C++'s operator+, which is quoted */
	bool cxx = plus && plus > s && strstr(s, "operator") != NULL;
	if (plus && plus != s && !cxx && strncmp(plus + 1, "arg", 3) && !pt_parse_u64(plus + 1, &v)) {
		pt_err(c, "invalid offset '%s' in attach point, expected a number", plus + 1);
		return;
	}
	if (plus && plus != s && pt_parse_u64(plus + 1, &v)) {
		if (!allow_offset) {
			pt_err(c, "%s probes do not take an offset", probetype_name(pt->ptype));
			return;
		}
		pt->func = arena_strndup(c->arena, s, (size_t)(plus - s));
		pt->offset = v;
		pt->has_offset = true;
		return;
	}
	pt->func = s;
}

bool pt_need_parts(struct pt_ctx *c, const struct probe_point *pt, int n, int lo, int hi,
		   const char *form)
{
	if (n >= lo && n <= hi)
		return true;
	pt_err(c, "invalid %s attach point, expected %s", probetype_name(pt->ptype), form);
	return false;
}

void pt_rate(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	static const char *const units[] = { "hz", "s", "ms", "us", "ns" };
	const char *name = probetype_name(pt->ptype);
	if (n == 2) {
		if (!pt_parse_duration(parts[1], &pt->freq, &pt->unit))
			pt_err(c, "invalid %s period '%s', expected a number of nanoseconds or a duration such as 1s",
			       name, parts[1]);
		pt->has_freq = true;
		return;
	}
	if (n != 3) {
		pt_err(c, "invalid %s attach point, expected %s:UNIT:N (UNIT is hz, s, ms or us)", name, name);
		return;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(parts[1], units[i]))
			pt->unit = units[i];
	if (!pt->unit) {
		pt_err(c, "invalid %s unit '%s', expected hz, s, ms or us", name, parts[1]);
		return;
	}
	if (!pt_parse_u64(parts[2], &pt->freq) || pt->freq == 0) {
		pt_err(c, "invalid %s rate '%s', expected a positive integer", name, parts[2]);
		return;
	}
	pt->has_freq = true;
}
