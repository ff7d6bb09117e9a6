/* attachpoint: splits "provider:part:part" and hands the parts to the probe type's parse hook. */
#include "parser/parse.h"
#include "probes/point.h"
#include "probes/provider.h"

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

static bool has_wildcard(char **parts, int n)
{
	for (int i = 0; i < n; i++)
		if (strchr(parts[i], '*'))
			return true;
	return false;
}

unsigned ap_parse(struct ast *node, struct arena *a, struct diag *d, char *const *params, int nparams)
{
	struct ap_ctx c = { a, d, node, 0 };
	struct probe_point *ap = node->ap;
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
	const struct rt_provider *kind = rt_provider_of(ap->ptype);
	if (ap->wildcard && !kind->wildcards) {
		ap_err(&c, "wildcards are not allowed in %s probes", probetype_name(ap->ptype));
		return c.errors;
	}
	struct pt_ctx pc = { .arena = a, .diag = d, .span = node->span };
	if (kind->parse)
		kind->parse(&pc, ap, parts, n);
	ap->parsed = pc.errors == 0;
	return c.errors + pc.errors;
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
