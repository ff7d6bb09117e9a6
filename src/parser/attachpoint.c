/* attachpoint: splits "provider:part:part" into the fields each probe type defines. */
#include "parser/parse.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 8

struct ap_ctx {
	struct arena *arena;
	struct diag *diag;
	struct ast *node;
	unsigned errors;
};

__attribute__((format(printf, 2, 3)))
static void ap_err(struct ap_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(c->diag, DIAG_ERROR, c->node->span, fmt, ap);
	va_end(ap);
	c->errors++;
}

/* Replace $N with the N-th script argument; bpftrace allows them anywhere in
 * an attach point ("uprobe:$1:main", "interval:s:$2"). */
static char *substitute(struct ap_ctx *c, const char *raw, char *const *params, int nparams)
{
	size_t cap = strlen(raw) + 1, len = 0;
	for (int i = 0; i < nparams; i++)
		cap += strlen(params[i]) * 4;
	char *out = arena_alloc(c->arena, cap + 16);
	for (const char *p = raw; *p;) {
		if (p[0] == '$' && isdigit((unsigned char)p[1])) {
			char *end;
			unsigned long n = strtoul(p + 1, &end, 10);
			if (n == 0 || n > (unsigned long)nparams) {
				ap_err(c, "attach point uses positional parameter $%lu, but %d %s given",
				       n, nparams, nparams == 1 ? "was" : "were");
				return NULL;
			}
			size_t l = strlen(params[n - 1]);
			if (len + l + 1 > cap)
				return NULL;
			memcpy(out + len, params[n - 1], l);
			len += l;
			p = end;
			continue;
		}
		out[len++] = *p++;
	}
	out[len] = 0;
	return out;
}

/* Split at ':' outside double quotes; quotes are removed from each part. */
static int split(struct ap_ctx *c, const char *s, char **parts)
{
	int n = 0;
	size_t len = strlen(s);
	char *buf = arena_alloc(c->arena, len + 1), *w = buf;
	bool quoted = false;
	parts[n++] = buf;
	for (const char *p = s; *p; p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '\\' && quoted && p[1]) {
			*w++ = *++p;
		} else if (*p == ':' && !quoted) {
			*w++ = 0;
			if (n == MAX_PARTS) {
				ap_err(c, "attach point has too many ':'-separated parts");
				return -1;
			}
			parts[n++] = w;
		} else {
			*w++ = *p;
		}
	}
	*w = 0;
	if (quoted) {
		ap_err(c, "unterminated quote in attach point");
		return -1;
	}
	return n;
}

static bool parse_u64(const char *s, uint64_t *out)
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
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* "1s", "100ms", "5us", "250ns", or plain nanoseconds: interval:1s (0.24+). */
static bool parse_duration(const char *s, uint64_t *ns, const char **unit)
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
	if (!parse_u64(num, &v))
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

static bool has_wildcard(char **parts, int n)
{
	for (int i = 0; i < n; i++)
		if (strchr(parts[i], '*'))
			return true;
	return false;
}

/* "func+0x10" -> func and offset; "0xffff..." alone -> an address. */
static void func_or_addr(struct ap_ctx *c, struct ast_attach *ap, const char *s, bool allow_offset)
{
	uint64_t v;
	if (isdigit((unsigned char)s[0]) && parse_u64(s, &v)) {
		ap->addr = v;
		ap->has_addr = true;
		return;
	}
	if (!*s) {
		ap_err(c, "%s attach point has no function name", probetype_name(ap->ptype));
		return;
	}
	const char *plus = strrchr(s, '+');
	/* '+' appears in no symbol name but C++'s operator+, which is quoted */
	bool cxx = plus && plus > s && strstr(s, "operator") != NULL;
	if (plus && plus != s && !cxx && strncmp(plus + 1, "arg", 3) && !parse_u64(plus + 1, &v)) {
		ap_err(c, "invalid offset '%s' in attach point, expected a number", plus + 1);
		return;
	}
	if (plus && plus != s && parse_u64(plus + 1, &v)) {
		if (!allow_offset) {
			ap_err(c, "%s probes do not take an offset", probetype_name(ap->ptype));
			return;
		}
		ap->func = arena_strndup(c->arena, s, (size_t)(plus - s));
		ap->offset = v;
		ap->has_offset = true;
		return;
	}
	ap->func = s;
}

/* Reports a wrong number of parts; the caller stops reading parts on false. */
static bool need_parts(struct ap_ctx *c, int n, int lo, int hi, const char *form)
{
	if (n >= lo && n <= hi)
		return true;
	ap_err(c, "invalid %s attach point, expected %s", probetype_name(c->node->ap->ptype), form);
	return false;
}

static void rate(struct ap_ctx *c, struct ast_attach *ap, char **parts, int n)
{
	static const char *const units[] = { "hz", "s", "ms", "us", "ns" };
	const char *name = probetype_name(ap->ptype);
	if (n == 2) {
		if (!parse_duration(parts[1], &ap->freq, &ap->unit))
			ap_err(c, "invalid %s period '%s', expected a number of nanoseconds or a duration such as 1s",
			       name, parts[1]);
		ap->has_freq = true;
		return;
	}
	if (n != 3) {
		ap_err(c, "invalid %s attach point, expected %s:UNIT:N (UNIT is hz, s, ms or us)", name, name);
		return;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(parts[1], units[i]))
			ap->unit = units[i];
	if (!ap->unit) {
		ap_err(c, "invalid %s unit '%s', expected hz, s, ms or us", name, parts[1]);
		return;
	}
	if (!parse_u64(parts[2], &ap->freq) || ap->freq == 0) {
		ap_err(c, "invalid %s rate '%s', expected a positive integer", name, parts[2]);
		return;
	}
	ap->has_freq = true;
}

static void watchpoint(struct ap_ctx *c, struct ast_attach *ap, char **parts, int n)
{
	if (n != 4) {
		ap_err(c, "invalid watchpoint, expected %s:ADDRESS:LENGTH:MODE", ap->provider);
		return;
	}
	func_or_addr(c, ap, parts[1], true);
	if (ap->ptype == PROBE_ASYNCWATCHPOINT && ap->has_addr)
		ap_err(c, "asyncwatchpoint needs a function argument (func+argN), not an address");
	if (!parse_u64(parts[2], &ap->freq) ||
	    (ap->freq != 1 && ap->freq != 2 && ap->freq != 4 && ap->freq != 8)) {
		ap_err(c, "invalid watchpoint length '%s', expected 1, 2, 4 or 8", parts[2]);
		return;
	}
	ap->has_freq = true;
	const char *m = parts[3];
	bool seen[3] = { false, false, false };
	for (; *m; m++) {
		const char *k = strchr("rwx", *m);
		if (!k || seen[k - "rwx"]) {
			ap_err(c, "invalid watchpoint mode '%s', expected a combination of r, w and x", parts[3]);
			return;
		}
		seen[k - "rwx"] = true;
	}
	if (!parts[3][0])
		ap_err(c, "watchpoint mode is empty, expected a combination of r, w and x");
	ap->mode = parts[3];
}

/* Fill one attach point's fields according to its provider. */
static void fill(struct ap_ctx *c, struct ast_attach *ap, char **parts, int n)
{
	switch (ap->ptype) {
	case PROBE_BEGIN:
	case PROBE_END:
		if (!need_parts(c, n, 1, 1, ap->ptype == PROBE_BEGIN ? "begin" : "end"))
			break;
		break;
	case PROBE_SELF:
		if (!need_parts(c, n, 3, 3, "self:signal:SIGUSR1"))
			break;
		/* bpftrace lets only SIGUSR1 through: other signals keep their meaning. */
		if (strcmp(parts[1], "signal") || strcmp(parts[2], "SIGUSR1")) {
			ap_err(c, "invalid self attach point, expected self:signal:SIGUSR1");
			break;
		}
		if (n == 3) {
			ap->target = parts[1];
			ap->func = parts[2];
		}
		break;
	case PROBE_TEST:
	case PROBE_BENCH:
		if (!need_parts(c, n, 2, 2, ap->ptype == PROBE_TEST ? "test:NAME" : "bench:NAME"))
			break;
		if (n == 2)
			ap->func = parts[1];
		break;
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		if (!need_parts(c, n, 2, 3, "kprobe:FUNCTION, kprobe:MODULE:FUNCTION or kprobe:FUNCTION+OFFSET"))
			break;
		if (n == 3)
			ap->target = parts[1];
		if (n >= 2)
			func_or_addr(c, ap, parts[n - 1], ap->ptype == PROBE_KPROBE);
		break;
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
		if (!need_parts(c, n, 2, 4, "uprobe:BINARY:FUNCTION"))
			break;
		if (n == 2) {
			func_or_addr(c, ap, parts[1], ap->ptype == PROBE_UPROBE);
		} else if (n >= 3 && strchr(parts[1], '@')) {
			/* uprobe:BINARY@FILE.c:LINE[:COL] */
			char *at = strchr(parts[1], '@');
			ap->target = arena_strndup(c->arena, parts[1], (size_t)(at - parts[1]));
			ap->src_file = at + 1;
			uint64_t v;
			if (!parse_u64(parts[2], &v) || v == 0 || v > UINT32_MAX)
				ap_err(c, "invalid line number '%s' in uprobe source location", parts[2]);
			ap->line = (uint32_t)v;
			if (n == 4) {
				if (!parse_u64(parts[3], &v) || v == 0 || v > UINT32_MAX)
					ap_err(c, "invalid column '%s' in uprobe source location", parts[3]);
				ap->column = (uint32_t)v;
			}
		} else if (n == 4) {
			ap->target = parts[1];
			ap->lang = parts[2];
			if (strcmp(parts[2], "cpp") && strcmp(parts[2], "c"))
				ap_err(c, "unknown uprobe language '%s', expected cpp", parts[2]);
			ap->func = parts[3];
		} else {
			ap->target = parts[1];
			func_or_addr(c, ap, parts[2], ap->ptype == PROBE_UPROBE);
		}
		break;
	case PROBE_USDT:
		if (!need_parts(c, n, 2, 4, "usdt:BINARY:PROBE or usdt:BINARY:PROVIDER:PROBE"))
			break;
		if (n == 2) {
			ap->func = parts[1];
		} else if (n == 3) {
			ap->target = parts[1];
			ap->func = parts[2];
		} else if (n == 4) {
			ap->target = parts[1];
			ap->ns = parts[2];
			ap->func = parts[3];
		}
		break;
	case PROBE_TRACEPOINT:
		if (!need_parts(c, n, 3, 3, "tracepoint:CATEGORY:EVENT"))
			break;
		if (n == 3) {
			ap->target = parts[1];
			ap->func = parts[2];
			if (!parts[1][0] || !parts[2][0])
				ap_err(c, "tracepoint category and event must not be empty");
		}
		break;
	case PROBE_RAWTRACEPOINT:
		if (!need_parts(c, n, 2, 3, "rawtracepoint:EVENT or rawtracepoint:MODULE:EVENT"))
			break;
		if (n == 3)
			ap->target = parts[1];
		if (n >= 2)
			ap->func = parts[n - 1];
		break;
	case PROBE_FENTRY:
	case PROBE_FEXIT:
		if (!need_parts(c, n, 2, 4, "fentry:FUNCTION or fentry:MODULE:FUNCTION"))
			break;
		if (n == 2) {
			ap->func = parts[1];
		} else if (n == 3) {
			ap->target = parts[1];
			ap->func = parts[2];
		} else if (n == 4) {
			/* fentry:bpf:PROG_ID:PROG_NAME */
			ap->target = parts[1];
			ap->ns = parts[2];
			ap->func = parts[3];
			if (strcmp(parts[1], "bpf"))
				ap_err(c, "invalid %s attach point, only fentry:bpf:ID:NAME has four parts",
				       ap->provider);
		}
		break;
	case PROBE_PROFILE:
	case PROBE_INTERVAL:
		rate(c, ap, parts, n);
		break;
	case PROBE_SOFTWARE:
	case PROBE_HARDWARE:
		if (!need_parts(c, n, 2, 3, ap->ptype == PROBE_SOFTWARE ? "software:EVENT[:COUNT]" : "hardware:EVENT[:COUNT]"))
			break;
		if (n >= 2)
			ap->func = parts[1];
		if (n == 3 && parts[2][0]) {
			if (!parse_u64(parts[2], &ap->freq) || ap->freq == 0)
				ap_err(c, "invalid %s count '%s', expected a positive integer", ap->provider, parts[2]);
			ap->has_freq = true;
		}
		break;
	case PROBE_WATCHPOINT:
	case PROBE_ASYNCWATCHPOINT:
		watchpoint(c, ap, parts, n);
		break;
	case PROBE_ITER:
		if (!need_parts(c, n, 2, 3, "iter:NAME or iter:NAME:PIN"))
			break;
		if (n >= 2)
			ap->func = parts[1];
		if (n == 3)
			ap->pin = parts[2];
		break;
	case PROBE_INVALID:
	case PROBE__COUNT:
		break;
	}
}

/* Probe types whose attach points name no symbol, so '*' cannot mean anything. */
static bool wildcard_allowed(enum probe_type t)
{
	switch (t) {
	case PROBE_KPROBE: case PROBE_KRETPROBE: case PROBE_UPROBE: case PROBE_URETPROBE:
	case PROBE_USDT: case PROBE_TRACEPOINT: case PROBE_RAWTRACEPOINT:
	case PROBE_FENTRY: case PROBE_FEXIT: case PROBE_ITER:
		return true;
	case PROBE_INVALID: case PROBE_BEGIN: case PROBE_END: case PROBE_SELF: case PROBE_TEST:
	case PROBE_BENCH: case PROBE_PROFILE: case PROBE_INTERVAL: case PROBE_SOFTWARE:
	case PROBE_HARDWARE: case PROBE_WATCHPOINT: case PROBE_ASYNCWATCHPOINT:
	case PROBE__COUNT:
		return false;
	}
	return false;
}

unsigned ap_parse(struct ast *node, struct arena *a, struct diag *d, char *const *params, int nparams)
{
	struct ap_ctx c = { a, d, node, 0 };
	struct ast_attach *ap = node->ap;
	char *parts[MAX_PARTS];

	char *text = substitute(&c, ap->raw, params, nparams);
	if (!text)
		return c.errors ? c.errors : 1;
	int n = split(&c, text, parts);
	if (n < 0)
		return c.errors;
	ap->provider = parts[0];
	ap->ptype = probetype_lookup(parts[0], strlen(parts[0]));
	if (ap->ptype == PROBE_INVALID) {
		if (strchr(parts[0], '*'))
			ap_err(&c, "wildcards are not allowed in the probe type: '%s'", parts[0]);
		else if (n == 2)
			ap_err(&c, "unknown probe type '%s'; did you mean 'tracepoint:%s'?", parts[0], text);
		else
			ap_err(&c, "unknown probe type '%s'", parts[0]);
		return c.errors;
	}
	ap->wildcard = has_wildcard(parts + 1, n - 1);
	if (ap->wildcard && !wildcard_allowed(ap->ptype)) {
		ap_err(&c, "wildcards are not allowed in %s probes", probetype_name(ap->ptype));
		return c.errors;
	}
	fill(&c, ap, parts, n);
	ap->parsed = c.errors == 0;
	return c.errors;
}

unsigned ap_parse_program(struct ast *prog, struct arena *a, struct diag *d, char *const *params, int nparams)
{
	unsigned errors = 0;
	for (struct ast *it = prog->program.items; it; it = it->next)
		if (it->kind == AST_PROBE)
			for (struct ast *ap = it->probe.aps; ap; ap = ap->next)
				errors += ap_parse(ap, a, d, params, nparams);
	return errors;
}
