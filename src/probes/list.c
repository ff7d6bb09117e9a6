/* list: -l patterns split and sent to providers; each provider's entries sorted and printed as a batch. */
#include "probes/list.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/btf.h"
#include "probes/provider.h"
#include "probes/tracefs.h"

struct rt_ent {
	const char *s;
	void *cookie;
};

struct rt_out {
	struct arena *a;
	struct rt_ent *e;
	size_t n, cap;
	struct { void (*fn)(void *); void *arg; } *done;
	size_t ndone, capdone;
};

void rt_out_add(struct rt_out *o, const char *entry, size_t len, void *cookie)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 256;
		o->e = xrealloc(o->e, o->cap * sizeof(*o->e));
	}
	o->e[o->n++] = (struct rt_ent){ arena_strndup(o->a, entry, len), cookie };
}

void rt_out_addf(struct rt_out *o, void *cookie, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf)) {
		char *big = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		rt_out_add(o, big, (size_t)n, cookie);
		free(big);
	} else if (n >= 0) {
		rt_out_add(o, buf, (size_t)n, cookie);
	}
}

struct arena *rt_out_arena(struct rt_out *o) { return o->a; }

void rt_out_on_done(struct rt_out *o, void (*fn)(void *), void *arg)
{
	if (o->ndone == o->capdone) {
		o->capdone = o->capdone ? o->capdone * 2 : 4;
		o->done = xrealloc(o->done, o->capdone * sizeof(*o->done));
	}
	o->done[o->ndone].fn = fn;
	o->done[o->ndone++].arg = arg;
}

/* One rt_list or rt_list_program call. */
struct lister {
	FILE *out;
	struct diag *d;
	bool verbose;
	pid_t pid;
	bool gone;          /* the reader closed the pipe: print nothing more */
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rt_ent *)a)->s, ((const struct rt_ent *)b)->s);
}

/* Sort, de-duplicate and print one batch, then let it go. */
static int print_batch(struct lister *L, const struct rt_provider *p, const struct rt_match *m,
		       struct rt_out *o, void (*def)(uint32_t, FILE *))
{
	FILE *f = L->out;
	if (o->n)
		qsort(o->e, o->n, sizeof(*o->e), ent_cmp);
	for (size_t i = 0; i < o->n && !L->gone && !ferror(f); i++) {
		if (i && !strcmp(o->e[i].s, o->e[i - 1].s))
			continue;
		if (def) {
			def((uint32_t)(uintptr_t)o->e[i].cookie, f);
			continue;
		}
		if (p) {
			fputs_unlocked(p->name, f);
			if (o->e[i].s[0])  /* begin and end have no parts */
				putc_unlocked(':', f);
		}
		fputs_unlocked(o->e[i].s, f);
		putc_unlocked('\n', f);
		if (m && m->verbose && p && p->describe)
			p->describe(m, o->e[i].s, o->e[i].cookie, f);
	}
	/* Flush per batch so a pager or head sees each provider as it is done.
	 * A reader that went away (EPIPE, with SIGPIPE ignored) ends the
	 * listing quietly; any other write error is one. */
	int err = 0;
	if (!L->gone && (fflush(f) || ferror(f))) {
		int e = errno ? errno : EIO;
		if (e == EPIPE) {
			L->gone = true;
		} else {
			diag_plain(L->d, DIAG_ERROR, "cannot write the listing: %s", strerror(e));
			err = -e;
		}
	}
	for (size_t i = 0; i < o->ndone; i++)
		o->done[i].fn(o->done[i].arg);
	arena_free(o->a);
	free(o->e);
	free(o->done);
	*o = (struct rt_out){ 0 };
	return err;
}

static int run_provider(struct lister *L, const struct rt_provider *p, char **parts,
			unsigned nparts, bool named, const char *pattern)
{
	/* "*:*" reaches begin and end too: spare '*' parts ask for nothing. */
	while (!named && nparts > p->max_parts && !strcmp(parts[0], "*")) {
		parts++;
		nparts--;
	}
	if (nparts > p->max_parts) {
		if (!named)
			return 0;
		diag_plain(L->d, DIAG_ERROR, "too many parts in '%s': %s probes are written %s",
			   pattern, p->name, p->form);
		return -EINVAL;
	}
	const char *why = NULL;
	if (!named && p->available && !(p->flags & RT_PROV_STATIC) && !p->available(&why)) {
		if (L->verbose)
			diag_plain(L->d, DIAG_NOTE, "%s: not listed: %s", p->name, why);
		return 0;
	}
	struct rt_match m = { .nparts = nparts, .named = named, .verbose = L->verbose,
			      .pid = L->pid, .d = L->d };
	for (unsigned i = 0; i < nparts; i++)
		m.part[i] = parts[i];
	struct rt_out o = { .a = arena_new() };
	int err = p->list(&m, &o);
	int perr = print_batch(L, p, &m, &o, NULL);
	return err ? err : perr;
}

/* Split at ':' outside double quotes, dropping the quotes, into buf. */
#define MAX_SPLIT (RT_MATCH_MAX_PARTS + 2)
static int split(struct lister *L, const char *pat, char *buf, char **parts, unsigned *n)
{
	bool quoted = false;
	*n = 0;
	parts[(*n)++] = buf;
	for (const char *s = pat; *s; s++) {
		if (*s == '"') {
			quoted = !quoted;
		} else if (*s == ':' && !quoted) {
			*buf++ = '\0';
			if (*n == MAX_SPLIT) {
				diag_plain(L->d, DIAG_ERROR, "too many parts in '%s'", pat);
				return -EINVAL;
			}
			parts[(*n)++] = buf;
		} else {
			*buf++ = *s;
		}
	}
	*buf = '\0';
	if (quoted) {
		diag_plain(L->d, DIAG_ERROR, "unterminated quote in '%s'", pat);
		return -EINVAL;
	}
	return 0;
}

static bool wants_user(struct lister *L, char **parts, unsigned nparts)
{
	return L->pid || (nparts && parts[0][0] && !rt_has_wild(parts[0]) &&
			  !access(parts[0], F_OK));
}

/* Providers a wildcard (or no) provider part reaches, in name order. */
static int run_wild(struct lister *L, const char *prov_pat, char **parts, unsigned nparts,
		    const char *pattern)
{
	bool user = wants_user(L, parts, nparts), any = false;
	size_t nprov;
	const struct rt_provider *const *provs = rt_providers_listed(&nprov);
	for (size_t i = 0; i < nprov && !L->gone; i++) {
		const struct rt_provider *p = provs[i];
		if (!rt_glob(prov_pat, p->name, strlen(p->name)))
			continue;
		any = true;
		if (!(p->flags & RT_PROV_WILD) && !((p->flags & RT_PROV_USER) && user))
			continue;
		int err = run_provider(L, p, parts, nparts, false, pattern);
		if (err)
			return err;
	}
	if (!any) {
		diag_plain(L->d, DIAG_ERROR, "no probe type matches '%s' in '%s'", prov_pat, pattern);
		return -EINVAL;
	}
	return 0;
}

/* -lv 'struct NAME': the definition, named with the BTF it comes from
 * ("vmlinux: struct file {", current bpftrace's form; 0.17 had no prefix). */
static void print_def(uint32_t id, FILE *f)
{
	fputs("vmlinux: ", f);
	rt_btf_print_def(id, f);
}

/* "struct task_*", "union NAME", "enum NAME": kernel types from BTF. */
static int list_types(struct lister *L, const char *pattern)
{
	const char *sp = strchr(pattern, ' ');
	size_t kwlen = (size_t)(sp - pattern);
	const char *name = sp;
	while (*name == ' ')
		name++;
	if (!*name || strchr(name, ' ') || strchr(name, ':')) {
		diag_plain(L->d, DIAG_ERROR, "bad type pattern '%s': expected '%.*s NAME'",
			   pattern, (int)kwlen, pattern);
		return -EINVAL;
	}
	int err = rt_btf_load(L->d);
	if (err)
		return err;
	if (L->verbose && !rt_btf_libbpf(L->d))
		return -EINVAL;
	struct rt_out o = { .a = arena_new() };
	for (uint32_t id = 1; id < rt_btf_count(); id++) {
		const struct btf_type *t = rt_btf_type(id);
		unsigned k = BTF_INFO_KIND(t->info);
		const char *kw = k == BTF_KIND_STRUCT ? "struct" : k == BTF_KIND_UNION ? "union"
			       : k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64 ? "enum" : NULL;
		if (!kw || !t->name_off || strlen(kw) != kwlen || memcmp(kw, pattern, kwlen))
			continue;
		const char *n = rt_btf_str(t->name_off);
		if (rt_glob(name, n, strlen(n)))
			rt_out_addf(&o, (void *)(uintptr_t)id, "%s %s", kw, n);
	}
	return print_batch(L, NULL, NULL, &o, L->verbose ? print_def : NULL);
}

static bool is_type_pattern(const char *p)
{
	return !strncmp(p, "struct ", 7) || !strncmp(p, "union ", 6) || !strncmp(p, "enum ", 5);
}

static int list_one(struct lister *L, const char *pattern)
{
	if (is_type_pattern(pattern))
		return list_types(L, pattern);

	char *buf = xmalloc(strlen(pattern) + 1);
	char *parts[MAX_SPLIT];
	unsigned n;
	int err = split(L, pattern, buf, parts, &n);
	if (err)
		goto out;

	if (n == 1) {
		enum probe_type t = probetype_lookup(parts[0], strlen(parts[0]));
		const struct rt_provider *p = t ? rt_provider_of(t) : NULL;
		if (!parts[0][0] || !strcmp(parts[0], "*"))
			err = run_wild(L, "*", parts, 0, pattern);
		else if (p)
			err = run_provider(L, p, parts, 0, true, pattern);
		else
			/* bpftrace: a bare word searches every provider's probe names. */
			err = run_wild(L, "*", parts, 1, pattern);
		goto out;
	}

	if (rt_has_wild(parts[0])) {
		err = run_wild(L, parts[0], parts + 1, n - 1, pattern);
		goto out;
	}
	enum probe_type t = probetype_lookup(parts[0], strlen(parts[0]));
	const struct rt_provider *p = t ? rt_provider_of(t) : NULL;
	if (!t) {
		/* "sched:*" is most likely a tracepoint category without its provider. */
		int ev = rt_tracefs_events(NULL);
		if (ev >= 0 && parts[0][0] && !faccessat(ev, parts[0], F_OK, 0))
			diag_plain(L->d, DIAG_ERROR, "unknown probe type '%s' in '%s'; "
				   "did you mean 'tracepoint:%s'?", parts[0], pattern, pattern);
		else
			diag_plain(L->d, DIAG_ERROR, "unknown probe type '%s' in '%s'",
				   parts[0], pattern);
		err = -EINVAL;
	} else if (!p) {
		diag_plain(L->d, DIAG_ERROR, "%s probes cannot be listed", probetype_name(t));
		err = -EINVAL;
	} else {
		err = run_provider(L, p, parts + 1, n - 1, true, pattern);
	}
out:
	free(buf);
	return err;
}

/* Patterns are comma-separated; blanks around each are dropped. */
int rt_list(const char *patterns, bool verbose, pid_t pid, FILE *out, struct diag *d)
{
	struct lister L = { .out = out, .d = d, .verbose = verbose, .pid = pid };
	if (!patterns)
		patterns = "";
	char *copy = xstrdup(patterns), *save = NULL;
	int err = 0;
	bool any = false;
	for (char *tok = strtok_r(copy, ",", &save); tok && !err && !L.gone;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*tok)
			continue;
		any = true;
		err = list_one(&L, tok);
	}
	if (!any)
		err = list_one(&L, "");
	free(copy);
	return err;
}

static int list_ap(struct lister *L, const struct probe_point *ap)
{
	if (!ap->parsed)
		return list_one(L, ap->raw);
	const struct rt_provider *p = rt_provider_of(ap->ptype);
	const char *parts[RT_MATCH_MAX_PARTS];
	unsigned n = p && p->parts && p->list ? p->parts(ap, parts) : 0;
	if (!n) {
		const char *last = strrchr(ap->raw, ':');
		bool counted = ap->ptype == PROBE_INTERVAL || ap->ptype == PROBE_PROFILE ||
			       ap->ptype == PROBE_SOFTWARE || ap->ptype == PROBE_HARDWARE;
		if (counted && ap->has_freq && last)
			/* interval:ms:100, hardware:cache-misses:10: the probe as the
			 * catalogue lists it, without its count (current bpftrace) */
			fprintf(L->out, "%.*s\n", (int)(last - ap->raw + 1), ap->raw);
		else if (p && p->print)
			p->print(ap, L->out);
		else
			fprintf(L->out, "%s\n", ap->raw);
		return 0;
	}
	return run_provider(L, p, (char **)parts, n, true, ap->raw);
}

int rt_list_points(const struct probe_point *const *pts, size_t n, bool verbose, pid_t pid,
		   FILE *out, struct diag *d)
{
	struct lister L = { .out = out, .d = d, .verbose = verbose, .pid = pid };
	for (size_t i = 0; i < n && !L.gone; i++) {
		int err = list_ap(&L, pts[i]);
		if (err)
			return err;
	}
	if (!L.gone && fflush(out) && errno != EPIPE) {
		diag_plain(d, DIAG_ERROR, "cannot write the listing: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

long rt_expand(const struct probe_point *ap, pid_t pid, struct arena *a, struct diag *d,
	       const char ***out)
{
	const struct rt_provider *p = rt_provider_of(ap->ptype);
	const char *parts[RT_MATCH_MAX_PARTS];
	unsigned n = p && p->parts && p->list ? p->parts(ap, parts) : 0;
	*out = NULL;
	if (!n)
		return 0;
	struct rt_match m = { .nparts = n, .named = true, .pid = pid, .d = d };
	for (unsigned i = 0; i < n; i++)
		m.part[i] = parts[i];
	struct rt_out o = { .a = arena_new() };
	int err = p->list(&m, &o);
	long count = 0;
	if (!err && o.n) {
		qsort(o.e, o.n, sizeof(*o.e), ent_cmp);
		const char **v = arena_alloc(a, o.n * sizeof(*v));
		for (size_t i = 0; i < o.n; i++)
			if (!i || strcmp(o.e[i].s, o.e[i - 1].s))
				v[count++] = arena_strdup(a, o.e[i].s);
		*out = v;
	}
	for (size_t i = 0; i < o.ndone; i++)
		o.done[i].fn(o.done[i].arg);
	arena_free(o.a);
	free(o.e);
	free(o.done);
	return err ? err : count;
}
