/* cpp: the preprocessor: tokens, macros with hidesets, #include search, #if, for script C text and headers. */
#include "ast/cpp.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The macros a token came out of: it is not expanded again inside them
 * (C11 6.10.3.4), which also stops `#define x x` from looping. */
struct hideset {
	const struct cpp_macro *m;
	const struct hideset *next;
	unsigned len;              /* macros in the set: the expansion's nesting */
};

struct cpp_macro {
	const char *name;
	bool fn, variadic;
	unsigned nparams;
	const char **params;       /* __VA_ARGS__ last when variadic */
	struct cpp_tok *body;
	unsigned nbody;
	struct cpp_macro *next;    /* hash chain */
};

struct cond {
	bool parent;               /* the enclosing region is active */
	bool active, taken, seen_else;
	struct span at;
};

#define NHASH 1024          /* first size of the macro table; it doubles past 2 per bucket */
#define MAX_INCLUDE_DEPTH 64
#define MAX_COND 256
/* Macros expanding into macros, this deep at most: the hideset is a list, so a
 * chain of 100,000 #defines each naming the next cost quadratic time (minutes). */
#define MAX_EXPANSION_DEPTH 256

struct cpp {
	struct arena *a;
	struct diag *d;
	struct cpp_macro **hash;   /* chains; nhash buckets, a power of two */
	unsigned nhash, nmacros;
	bool told_too_deep;        /* said once: the passes may expand one macro several times */
	const char **dirs;         /* search list for <...>: -I, then the system's */
	unsigned ndirs, nuser;
	const char *script_dir;
	struct cpp_toks out;
	struct cond cond[MAX_COND];
	int ncond;
	int depth;
	unsigned errors;
	cpp_ident_fn ident;
	void *ident_ud;
};

/* ---- tokens ---- */

static void toks_push(struct cpp *p, struct cpp_toks *l, struct cpp_tok t)
{
	l->v = arena_grow(p->a, l->v, l->n, &l->cap, sizeof(*l->v));
	l->v[l->n++] = t;
}

static const struct hideset *hs_of(const struct cpp_tok *t)
{
	return (const struct hideset *)t->hide;
}

static bool hs_has(const struct hideset *h, const struct cpp_macro *m)
{
	for (; h; h = h->next)
		if (h->m == m)
			return true;
	return false;
}

static const struct hideset *hs_add(struct cpp *p, const struct hideset *h, const struct cpp_macro *m)
{
	if (hs_has(h, m))
		return h;
	struct hideset *n = arena_alloc(p->a, sizeof(*n));
	n->m = m;
	n->next = h;
	n->len = h ? h->len + 1 : 1;
	return n;
}

static const char *const puncts3[] = { "...", "<<=", ">>=" };
static const char *const puncts2[] = {
	"->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
};

/* Tokens of `s` (comments and line joins already gone or handled here).
 * Script text (sys false) gets a span per token from `at`; header text
 * shares `at`, the #include it came through. */
static void tokenize(struct cpp *p, const char *s, size_t n, struct span at, bool sys, struct cpp_toks *out)
{
	uint32_t line = at.line, col = at.col;
	bool space = false;
	size_t i = 0;
#define ADV(k)                                                    \
	do {                                                      \
		for (size_t _k = 0; _k < (k); _k++, i++) {        \
			if (s[i] == '\n') { line++; col = 1; }    \
			else col++;                               \
		}                                                 \
	} while (0)
	while (i < n) {
		char c = s[i];
		if (c == '\\' && i + 1 < n && s[i + 1] == '\n') {
			ADV(2);
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			ADV(1);
			space = true;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				ADV(1);
			space = true;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			ADV(2);
			while (i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'))
				ADV(1);
			if (i < n)
				ADV(2);
			space = true;
			continue;
		}
		struct cpp_tok t = { .space = space, .sys = sys, .s = s + i };
		size_t start = i;
		uint32_t l0 = line, c0 = col;
		if (isalpha((unsigned char)c) || c == '_' || c == '$') {
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$'))
				ADV(1);
			t.kind = CPP_IDENT;
		} else if (isdigit((unsigned char)c) || (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))) {
			/* a pp-number: digits, letters, dots, and signs after an exponent */
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' ||
					 ((s[i] == '+' || s[i] == '-') && strchr("eEpP", s[i - 1]))))
				ADV(1);
			t.kind = CPP_NUM;
		} else if (c == '"' || c == '\'') {
			ADV(1);
			while (i < n && s[i] != c && s[i] != '\n') {
				if (s[i] == '\\' && i + 1 < n)
					ADV(1);
				ADV(1);
			}
			if (i < n && s[i] == c)
				ADV(1);
			t.kind = c == '"' ? CPP_STR : CPP_CHAR;
		} else {
			size_t k = 1;
			for (size_t j = 0; j < sizeof puncts3 / sizeof *puncts3 && k == 1; j++)
				if (n - i >= 3 && !memcmp(s + i, puncts3[j], 3))
					k = 3;
			for (size_t j = 0; j < sizeof puncts2 / sizeof *puncts2 && k == 1; j++)
				if (n - i >= 2 && !memcmp(s + i, puncts2[j], 2))
					k = 2;
			ADV(k);
			t.kind = CPP_PUNCT;
		}
		t.len = (uint32_t)(i - start);
		if (sys) {
			t.at = at;
		} else {
			t.at = (struct span){ .file = at.file, .off = at.off + (uint32_t)start,
					      .end = at.off + (uint32_t)i, .line = l0, .col = c0,
					      .end_line = line, .end_col = col > 1 ? col - 1 : col };
		}
		toks_push(p, out, t);
		space = false;
	}
#undef ADV
}

/* ---- macros ---- */

static unsigned hash_name(const char *s, size_t n)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static struct cpp_macro **bucket(struct cpp *p, const char *s, size_t n)
{
	return &p->hash[hash_name(s, n) & (p->nhash - 1)];
}

static struct cpp_macro *macro_find(struct cpp *p, const char *s, size_t n)
{
	for (struct cpp_macro *m = *bucket(p, s, n); m; m = m->next)
		if (strlen(m->name) == n && !memcmp(m->name, s, n))
			return m;
	return NULL;
}

static void macro_undef(struct cpp *p, const char *s, size_t n)
{
	struct cpp_macro **pp = bucket(p, s, n);
	for (; *pp; pp = &(*pp)->next)
		if (strlen((*pp)->name) == n && !memcmp((*pp)->name, s, n)) {
			*pp = (*pp)->next;
			p->nmacros--;
			return;
		}
}

/* A fixed table made 100,000 #defines quadratic: chains of a hundred. */
static void macro_rehash(struct cpp *p)
{
	struct cpp_macro **old = p->hash;
	unsigned nold = p->nhash;
	p->nhash *= 2;
	p->hash = arena_alloc(p->a, p->nhash * sizeof(*p->hash));
	for (unsigned i = 0; i < nold; i++)
		for (struct cpp_macro *m = old[i], *next; m; m = next) {
			next = m->next;
			struct cpp_macro **b = bucket(p, m->name, strlen(m->name));
			m->next = *b;
			*b = m;
		}
}

static void macro_add(struct cpp *p, struct cpp_macro *m)
{
	macro_undef(p, m->name, strlen(m->name));
	if (p->nmacros >= 2 * p->nhash)
		macro_rehash(p);
	struct cpp_macro **b = bucket(p, m->name, strlen(m->name));
	m->next = *b;
	*b = m;
	p->nmacros++;
}

bool cpp_is_macro(struct cpp *p, const char *name)
{
	return macro_find(p, name, strlen(name)) != NULL;
}

/* #define NAME[(params)] body: tokens after the directive name. */
static bool define(struct cpp *p, const struct cpp_tok *t, size_t n)
{
	if (n == 0 || t[0].kind != CPP_IDENT)
		return false;
	struct cpp_macro *m = arena_alloc(p->a, sizeof(*m));
	m->name = arena_strndup(p->a, t[0].s, t[0].len);
	size_t i = 1;
	if (n > 1 && cpp_is(&t[1], "(") && !t[1].space) {
		m->fn = true;
		size_t cap = 0;
		for (i = 2; i < n && !cpp_is(&t[i], ")"); i++) {
			if (cpp_is(&t[i], ","))
				continue;
			const char *name;
			if (cpp_is(&t[i], "...")) {
				m->variadic = true;
				name = "__VA_ARGS__";
			} else if (t[i].kind == CPP_IDENT) {
				name = arena_strndup(p->a, t[i].s, t[i].len);
				if (i + 1 < n && cpp_is(&t[i + 1], "...")) {   /* GNU named variadic */
					m->variadic = true;
					i++;
				}
			} else {
				return false;
			}
			m->params = arena_grow(p->a, m->params, m->nparams, &cap, sizeof(*m->params));
			m->params[m->nparams++] = name;
		}
		if (i >= n)
			return false;
		i++;
	}
	m->nbody = (unsigned)(n - i);
	m->body = arena_alloc(p->a, (m->nbody + 1) * sizeof(*m->body));
	memcpy(m->body, t + i, m->nbody * sizeof(*m->body));
	if (m->nbody)
		m->body[0].space = false;
	macro_add(p, m);
	return true;
}

void cpp_predefine(struct cpp *p, const char *name, const char *value)
{
	char *text = arena_printf(p->a, "%s %s", name, value);
	struct cpp_toks l = { 0 };
	tokenize(p, text, strlen(text), (struct span){ 0 }, true, &l);
	define(p, l.v, l.n);
}

static int param_index(const struct cpp_macro *m, const struct cpp_tok *t)
{
	if (t->kind != CPP_IDENT)
		return -1;
	for (unsigned i = 0; i < m->nparams; i++)
		if (cpp_is(t, m->params[i]))
			return (int)i;
	return -1;
}

static void expand(struct cpp *p, const struct cpp_tok *in, size_t n, struct cpp_toks *out);
static void err(struct cpp *p, bool sys, struct span at, const char *fmt, const char *arg);

static struct cpp_tok stringize(struct cpp *p, const struct cpp_tok *a, size_t n, struct cpp_tok like)
{
	size_t cap = 3;
	for (size_t i = 0; i < n; i++)
		cap += a[i].len * 2 + 1;
	char *s = arena_alloc(p->a, cap), *w = s;
	*w++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (i && a[i].space)
			*w++ = ' ';
		for (uint32_t k = 0; k < a[i].len; k++) {
			char c = a[i].s[k];
			if ((a[i].kind == CPP_STR || a[i].kind == CPP_CHAR) && (c == '"' || c == '\\'))
				*w++ = '\\';
			*w++ = c;
		}
	}
	*w++ = '"';
	like.kind = CPP_STR;
	like.s = s;
	like.len = (uint32_t)(w - s);
	return like;
}

/* a ## b: the two spellings glued and read again as one token. */
static struct cpp_tok paste(struct cpp *p, struct cpp_tok a, struct cpp_tok b)
{
	char *s = arena_alloc(p->a, a.len + b.len + 1);
	memcpy(s, a.s, a.len);
	memcpy(s + a.len, b.s, b.len);
	struct cpp_toks l = { 0 };
	tokenize(p, s, a.len + b.len, a.at, true, &l);
	if (l.n == 0)
		return a;
	struct cpp_tok t = l.v[0];
	t.at = a.at;
	t.sys = a.sys;
	t.space = a.space;
	t.hide = a.hide;
	if (l.n > 1) {   /* not one token: keep the text whole as an identifier-ish blob */
		t.len = a.len + b.len;
	}
	return t;
}

/* The arguments of a function-like macro call: the '(' was popped already;
 * tokens come off the work stack (top last) into `call`, whose argument k
 * is call[starts[k], starts[k] + lens[k]). Returns false (with the tokens
 * put back) when the call is not closed in this token list. */
static bool collect_args(struct cpp *p, const struct cpp_macro *m, struct cpp_toks *work, struct cpp_toks *call,
			 size_t *starts, size_t *lens, unsigned *nargs)
{
	int depth = 0;
	unsigned k = 0;
	starts[0] = 0;
	size_t taken = 0;
	for (;;) {
		if (work->n == 0) {
			/* unclosed: put everything back */
			for (size_t j = call->n; j-- > 0;)
				toks_push(p, work, call->v[j]);
			(void)taken;
			return false;
		}
		struct cpp_tok t = work->v[--work->n];
		taken++;
		if (cpp_is(&t, "(")) {
			depth++;
		} else if (cpp_is(&t, ")")) {
			if (depth-- == 0)
				break;
		} else if (cpp_is(&t, ",") && depth == 0 && !(m->variadic && k + 1 >= m->nparams)) {
			lens[k] = call->n - starts[k];
			if (++k >= 64)
				return false;
			starts[k] = call->n;
			continue;
		}
		toks_push(p, call, t);
	}
	lens[k] = call->n - starts[k];
	*nargs = k + 1;
	if (m->nparams == 0 && *nargs == 1 && lens[0] == 0)
		*nargs = 0;
	return true;
}

/* The replacement list of m with the arguments put in: # and ## on the raw
 * arguments, every other use of a parameter on the argument expanded. */
static void substitute(struct cpp *p, const struct cpp_macro *m, const struct cpp_tok *in, const size_t *starts,
		       const size_t *lens, unsigned nargs, struct cpp_toks *r)
{
	for (unsigned i = 0; i < m->nbody; i++) {
		const struct cpp_tok *t = &m->body[i];
		if (cpp_is(t, "#") && i + 1 < m->nbody) {
			int k = param_index(m, &m->body[i + 1]);
			if (k >= 0) {
				struct cpp_tok s = k < (int)nargs ? stringize(p, in + starts[k], lens[k], *t)
								   : stringize(p, NULL, 0, *t);
				toks_push(p, r, s);
				i++;
				continue;
			}
		}
		bool pasted_right = i + 1 < m->nbody && cpp_is(&m->body[i + 1], "##");
		if (cpp_is(t, "##") && r->n > 0 && i + 1 < m->nbody) {
			const struct cpp_tok *rt = &m->body[i + 1];
			int k = param_index(m, rt);
			if (k >= 0) {
				size_t len = k < (int)nargs ? lens[k] : 0;
				const struct cpp_tok *a = k < (int)nargs ? in + starts[k] : NULL;
				/* GNU: , ## __VA_ARGS__ drops the comma when there are none */
				if (len == 0 && cpp_is(&r->v[r->n - 1], ",") && m->variadic &&
				    k == (int)m->nparams - 1) {
					r->n--;
				} else if (len > 0) {
					r->v[r->n - 1] = paste(p, r->v[r->n - 1], a[0]);
					for (size_t j = 1; j < len; j++)
						toks_push(p, r, a[j]);
				}
			} else {
				r->v[r->n - 1] = paste(p, r->v[r->n - 1], *rt);
			}
			i++;
			continue;
		}
		int k = param_index(m, t);
		if (k >= 0) {
			size_t len = k < (int)nargs ? lens[k] : 0;
			if (len == 0)
				continue;
			const struct cpp_tok *a = in + starts[k];
			size_t first = r->n;
			if (pasted_right) {
				for (size_t j = 0; j < len; j++)
					toks_push(p, r, a[j]);
			} else {
				expand(p, a, len, r);
			}
			if (r->n > first)
				r->v[first].space = t->space;
			continue;
		}
		toks_push(p, r, *t);
	}
}

/* Expands in[0..n) into out, rescanning each replacement together with the
 * tokens after it (a function-like name a replacement ends with takes its
 * arguments from what follows). The tokens still to read are a stack, top
 * last, so a replacement is pushed in front in time linear in its length. */
static void expand(struct cpp *p, const struct cpp_tok *in, size_t n, struct cpp_toks *out)
{
	struct cpp_toks work = { 0 };
	for (size_t i = n; i-- > 0;)
		toks_push(p, &work, in[i]);
	unsigned steps = 0;
	while (work.n > 0) {
		struct cpp_tok t = work.v[--work.n];
		struct cpp_macro *m = t.kind == CPP_IDENT && !t.noexpand ? macro_find(p, t.s, t.len) : NULL;
		if (m && steps <= 200000 && hs_of(&t) && hs_of(&t)->len >= MAX_EXPANSION_DEPTH) {
			if (!p->told_too_deep)
				err(p, t.sys, t.at, "macro '%s' is nested more than 256 expansions deep", m->name);
			p->told_too_deep = true;
			steps = 200000;    /* the rest is copied as it is */
		}
		if (!m || hs_has(hs_of(&t), m) || ++steps > 200000) {
			if (m)
				t.noexpand = true;
			toks_push(p, out, t);
			continue;
		}
		size_t starts[65], lens[65];
		unsigned nargs = 0;
		struct cpp_toks call = { 0 };
		if (m->fn) {
			if (work.n == 0 || !cpp_is(&work.v[work.n - 1], "(")) {
				toks_push(p, out, t);
				continue;
			}
			struct cpp_tok lp = work.v[--work.n];
			if (!collect_args(p, m, &work, &call, starts, lens, &nargs)) {
				toks_push(p, &work, lp);
				toks_push(p, out, t);
				continue;
			}
		}
		struct cpp_toks r = { 0 };
		substitute(p, m, call.v, starts, lens, nargs, &r);
		const struct hideset *h = hs_add(p, hs_of(&t), m);
		for (size_t k = 0; k < r.n; k++) {
			r.v[k].hide = h;
			if (!t.sys) {   /* script tokens keep the place of the name */
				r.v[k].at = t.at;
				r.v[k].sys = false;
			}
		}
		if (r.n)
			r.v[0].space = t.space;
		for (size_t k = r.n; k-- > 0;)
			toks_push(p, &work, r.v[k]);
	}
}

/* ---- #if expressions ---- */

struct ev {
	struct cpp *p;
	const struct cpp_tok *t;
	size_t n, i;
	bool zero_unknown, bad;
};

static bool ev_is(struct ev *e, const char *s)
{
	return e->i < e->n && cpp_is(&e->t[e->i], s);
}

static int64_t ev_cond(struct ev *e);

static int64_t ev_number(struct ev *e, const struct cpp_tok *t)
{
	char buf[64];
	size_t n = t->len < sizeof(buf) - 1 ? t->len : sizeof(buf) - 1;
	memcpy(buf, t->s, n);
	buf[n] = '\0';
	while (n > 0 && strchr("uUlL", buf[n - 1]))
		buf[--n] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B') ? strtoull(buf + 2, &end, 2)
										    : strtoull(buf, &end, 0);
	if (*end || errno)
		e->bad = true;
	return (int64_t)v;
}

static int64_t ev_char(struct ev *e, const struct cpp_tok *t)
{
	if (t->len < 3) {
		e->bad = true;
		return 0;
	}
	const char *s = t->s + 1;
	if (*s != '\\')
		return (unsigned char)*s;
	s++;
	switch (*s) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		return strtol(s, NULL, 8);
	case 'x': return strtol(s + 1, NULL, 16);
	default: return (unsigned char)*s;
	}
}

static bool is_type_word(const struct cpp_tok *t)
{
	static const char *const words[] = {
		"int", "unsigned", "signed", "long", "short", "char", "void", "const", "volatile",
		"_Bool", "bool", "__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64",
		"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
	};
	if (t->kind != CPP_IDENT)
		return false;
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (cpp_is(t, words[i]))
			return true;
	return t->len > 2 && t->s[t->len - 2] == '_' && t->s[t->len - 1] == 't';
}

static int64_t ev_unary(struct ev *e)
{
	if (e->i >= e->n) {
		e->bad = true;
		return 0;
	}
	const struct cpp_tok *t = &e->t[e->i];
	if (cpp_is(t, "(")) {
		/* (type) x: a cast, which constant expressions in headers use */
		size_t j = e->i + 1;
		while (j < e->n && (is_type_word(&e->t[j]) || cpp_is(&e->t[j], "*")))
			j++;
		if (j > e->i + 1 && j < e->n && cpp_is(&e->t[j], ")") && j + 1 < e->n) {
			e->i = j + 1;
			return ev_unary(e);
		}
		e->i++;
		int64_t v = ev_cond(e);
		if (!ev_is(e, ")"))
			e->bad = true;
		e->i++;
		return v;
	}
	e->i++;
	if (cpp_is(t, "!"))
		return !ev_unary(e);
	if (cpp_is(t, "~"))
		return ~ev_unary(e);
	if (cpp_is(t, "-"))
		return -ev_unary(e);
	if (cpp_is(t, "+"))
		return ev_unary(e);
	if (t->kind == CPP_NUM)
		return ev_number(e, t);
	if (t->kind == CPP_CHAR)
		return ev_char(e, t);
	if (t->kind == CPP_IDENT) {
		char name[256];
		size_t n = t->len < sizeof(name) - 1 ? t->len : sizeof(name) - 1;
		memcpy(name, t->s, n);
		name[n] = '\0';
		int64_t v;
		if (e->p->ident && e->p->ident(e->p->ident_ud, name, &v))
			return v;
		if (!e->zero_unknown)
			e->bad = true;
		/* an unknown function-like name in #if: its arguments go too */
		if (ev_is(e, "(")) {
			int depth = 0;
			for (; e->i < e->n; e->i++) {
				if (cpp_is(&e->t[e->i], "("))
					depth++;
				else if (cpp_is(&e->t[e->i], ")") && --depth == 0) {
					e->i++;
					break;
				}
			}
		}
		return 0;
	}
	e->bad = true;
	return 0;
}

/* Binary operators by C precedence, loosest first. */
static const char *const levels[][5] = {
	{ "||" }, { "&&" }, { "|" }, { "^" }, { "&" }, { "==", "!=" },
	{ "<", ">", "<=", ">=" }, { "<<", ">>" }, { "+", "-" }, { "*", "/", "%" },
};
#define NLEVELS (sizeof levels / sizeof levels[0])

static int64_t ev_binary(struct ev *e, size_t level)
{
	if (level == NLEVELS)
		return ev_unary(e);
	int64_t l = ev_binary(e, level + 1);
	for (;;) {
		const char *op = NULL;
		for (size_t k = 0; k < 5 && levels[level][k]; k++)
			if (ev_is(e, levels[level][k]))
				op = levels[level][k];
		if (!op || e->bad)
			return l;
		e->i++;
		int64_t r = ev_binary(e, level + 1);
		uint64_t ul = (uint64_t)l, ur = (uint64_t)r;
		if (!strcmp(op, "||")) l = l || r;
		else if (!strcmp(op, "&&")) l = l && r;
		else if (!strcmp(op, "|")) l = (int64_t)(ul | ur);
		else if (!strcmp(op, "^")) l = (int64_t)(ul ^ ur);
		else if (!strcmp(op, "&")) l = (int64_t)(ul & ur);
		else if (!strcmp(op, "==")) l = l == r;
		else if (!strcmp(op, "!=")) l = l != r;
		else if (!strcmp(op, "<")) l = l < r;
		else if (!strcmp(op, ">")) l = l > r;
		else if (!strcmp(op, "<=")) l = l <= r;
		else if (!strcmp(op, ">=")) l = l >= r;
		else if (!strcmp(op, "<<")) l = r >= 0 && r < 64 ? (int64_t)(ul << r) : 0;
		else if (!strcmp(op, ">>")) l = r >= 0 && r < 64 ? l >> r : 0;
		else if (!strcmp(op, "+")) l = (int64_t)(ul + ur);
		else if (!strcmp(op, "-")) l = (int64_t)(ul - ur);
		else if (!strcmp(op, "*")) l = (int64_t)(ul * ur);
		else if (r == 0) e->bad = true;
		else if (!strcmp(op, "/")) l = l / r;
		else l = l % r;
	}
}

static int64_t ev_cond(struct ev *e)
{
	int64_t c = ev_binary(e, 0);
	if (!ev_is(e, "?"))
		return c;
	e->i++;
	int64_t a = ev_cond(e);
	if (!ev_is(e, ":")) {
		e->bad = true;
		return 0;
	}
	e->i++;
	int64_t b = ev_cond(e);
	return c ? a : b;
}

bool cpp_eval(struct cpp *p, const struct cpp_tok *t, size_t n, bool zero_unknown, int64_t *out)
{
	struct ev e = { .p = p, .t = t, .n = n, .zero_unknown = zero_unknown };
	*out = ev_cond(&e);
	return !e.bad && e.i == n;
}

void cpp_set_ident(struct cpp *p, cpp_ident_fn fn, void *ud)
{
	p->ident = fn;
	p->ident_ud = ud;
}

int cpp_macro_value(struct cpp *p, const char *name, const int64_t *args, int nargs, bool call,
		    int64_t *v, const char **str, uint32_t *len)
{
	struct cpp_macro *m = macro_find(p, name, strlen(name));
	if (!m)
		return 0;
	if (m->fn != call)
		return -1;
	struct cpp_toks in = { 0 }, out = { 0 };
	struct cpp_tok nt = { .kind = CPP_IDENT, .s = m->name, .len = (uint32_t)strlen(m->name), .sys = true };
	toks_push(p, &in, nt);
	if (call) {
		toks_push(p, &in, (struct cpp_tok){ .kind = CPP_PUNCT, .s = "(", .len = 1, .sys = true });
		for (int i = 0; i < nargs; i++) {
			if (i)
				toks_push(p, &in, (struct cpp_tok){ .kind = CPP_PUNCT, .s = ",", .len = 1, .sys = true });
			char *s = arena_printf(p->a, "(%lld)", (long long)args[i]);
			tokenize(p, s, strlen(s), (struct span){ 0 }, true, &in);
		}
		toks_push(p, &in, (struct cpp_tok){ .kind = CPP_PUNCT, .s = ")", .len = 1, .sys = true });
	}
	expand(p, in.v, in.n, &out);
	/* A string literal, possibly in parentheses. */
	size_t b = 0, e = out.n;
	while (e - b >= 2 && cpp_is(&out.v[b], "(") && cpp_is(&out.v[e - 1], ")")) {
		b++;
		e--;
	}
	if (e - b == 1 && out.v[b].kind == CPP_STR) {
		*str = out.v[b].s + 1;
		*len = out.v[b].len - 2;
		return 1;
	}
	if (e == b || !cpp_eval(p, out.v, out.n, false, v))
		return -1;
	*str = NULL;
	return 1;
}

/* ---- directives and files ---- */

static bool active(const struct cpp *p)
{
	return p->ncond == 0 || p->cond[p->ncond - 1].active;
}

static void err(struct cpp *p, bool sys, struct span at, const char *fmt, const char *arg)
{
	if (sys)
		return;
	p->errors++;
	diag_error(p->d, at, fmt, arg);
}

/* defined X, defined(X) and __has_include(...) answered before expansion. */
static unsigned process_file(struct cpp *p, const char *path, struct span at);
static char *resolve(struct cpp *p, const char *name, bool angled, const char *cur_dir, const char *after);

static void if_operands(struct cpp *p, const struct cpp_tok *t, size_t n, struct cpp_toks *out, const char *cur)
{
	for (size_t i = 0; i < n; i++) {
		if (cpp_is(&t[i], "defined")) {
			size_t j = i + 1;
			bool paren = j < n && cpp_is(&t[j], "(");
			if (paren)
				j++;
			bool def = j < n && t[j].kind == CPP_IDENT && macro_find(p, t[j].s, t[j].len);
			if (paren && j + 1 < n)
				j++;
			i = j;
			toks_push(p, out, (struct cpp_tok){ .kind = CPP_NUM, .s = def ? "1" : "0", .len = 1 });
			continue;
		}
		if ((cpp_is(&t[i], "__has_include") || cpp_is(&t[i], "__has_include_next")) &&
		    i + 1 < n && cpp_is(&t[i + 1], "(")) {
			size_t j = i + 2;
			char name[512] = "";
			bool angled = j < n && cpp_is(&t[j], "<");
			if (j < n && t[j].kind == CPP_STR) {
				snprintf(name, sizeof(name), "%.*s", (int)t[j].len - 2, t[j].s + 1);
			} else if (angled) {
				size_t w = 0;
				for (j++; j < n && !cpp_is(&t[j], ">"); j++)
					w += (size_t)snprintf(name + w, sizeof(name) - w, "%.*s", (int)t[j].len, t[j].s);
			}
			while (j < n && !cpp_is(&t[j], ")"))
				j++;
			i = j;
			bool found = *name && resolve(p, name, angled, cur, NULL) != NULL;
			toks_push(p, out, (struct cpp_tok){ .kind = CPP_NUM, .s = found ? "1" : "0", .len = 1 });
			continue;
		}
		toks_push(p, out, t[i]);
	}
}

static bool eval_if(struct cpp *p, const struct cpp_tok *t, size_t n, const char *cur)
{
	struct cpp_toks a = { 0 }, b = { 0 };
	if_operands(p, t, n, &a, cur);
	expand(p, a.v, a.n, &b);
	int64_t v;
	/* Names left after expansion are 0, as C says; the callback is for
	 * scripts, not for #if. */
	cpp_ident_fn saved = p->ident;
	p->ident = NULL;
	bool ok = cpp_eval(p, b.v, b.n, true, &v);
	p->ident = saved;
	return ok && v != 0;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The header `name` along the search list: "..." first in cur_dir, then
 * the -I directories, then the system's. `after`: #include_next starts
 * after this directory. Arena-allocated path, or NULL. */
static char *resolve(struct cpp *p, const char *name, bool angled, const char *cur_dir, const char *after)
{
	if (name[0] == '/')
		return file_exists(name) ? arena_strdup(p->a, name) : NULL;
	if (!angled && !after) {
		char *c = arena_printf(p->a, "%s/%s", cur_dir ? cur_dir : ".", name);
		if (file_exists(c))
			return c;
	}
	bool skipping = after != NULL;
	for (unsigned i = 0; i < p->ndirs; i++) {
		if (skipping) {
			if (!strcmp(p->dirs[i], after))
				skipping = false;
			continue;
		}
		char *c = arena_printf(p->a, "%s/%s", p->dirs[i], name);
		if (file_exists(c))
			return c;
	}
	return NULL;
}

/* Kernel header directories: with vmlinux BTF their types need no header,
 * so a missing one is no error (bpftrace's tools include them under
 * #ifndef BPFTRACE_HAVE_BTF, and others unconditionally). */
static bool kernel_header(const char *name)
{
	static const char *const dirs[] = { "linux/", "asm/", "asm-generic/", "net/", "uapi/", "trace/",
					    "kernel/", "scsi/", "crypto/", "keys/", "drm/", "video/", "sound/" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (!strncmp(name, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

static void directive(struct cpp *p, const struct cpp_tok *t, size_t n, struct span at, bool sys,
		      const char *cur_dir, const char *cur_in)
{
	if (n == 0)
		return;   /* the null directive */
	const struct cpp_tok *d = &t[0];
	t++;
	n--;
	if (cpp_is(d, "if") || cpp_is(d, "ifdef") || cpp_is(d, "ifndef")) {
		if (p->ncond >= MAX_COND) {
			err(p, sys, at, "#if nested too deeply%s", "");
			return;
		}
		struct cond c = { .parent = active(p), .at = at };
		if (c.parent) {
			if (cpp_is(d, "if"))
				c.active = eval_if(p, t, n, cur_dir);
			else
				c.active = (n > 0 && macro_find(p, t[0].s, t[0].len)) == cpp_is(d, "ifdef");
		}
		c.taken = c.active;
		p->cond[p->ncond++] = c;
		return;
	}
	if (cpp_is(d, "elif") || cpp_is(d, "else") || cpp_is(d, "endif") ||
	    cpp_is(d, "elifdef") || cpp_is(d, "elifndef")) {
		if (p->ncond == 0) {
			err(p, sys, at, "#%s without #if", arena_strndup(p->a, d->s, d->len));
			return;
		}
		struct cond *c = &p->cond[p->ncond - 1];
		if (cpp_is(d, "endif")) {
			p->ncond--;
		} else if (cpp_is(d, "else")) {
			c->active = c->parent && !c->taken;
			c->taken = true;
			c->seen_else = true;
		} else {
			bool v = false;
			if (c->parent && !c->taken) {
				if (cpp_is(d, "elif"))
					v = eval_if(p, t, n, cur_dir);
				else
					v = (n > 0 && macro_find(p, t[0].s, t[0].len)) == cpp_is(d, "elifdef");
			}
			c->active = v;
			c->taken = c->taken || v;
		}
		return;
	}
	if (!active(p))
		return;
	if (cpp_is(d, "define")) {
		if (!define(p, t, n))
			err(p, sys, at, "invalid #define%s", "");
		return;
	}
	if (cpp_is(d, "undef")) {
		if (n > 0)
			macro_undef(p, t[0].s, t[0].len);
		return;
	}
	if (cpp_is(d, "include") || cpp_is(d, "include_next")) {
		struct cpp_toks x = { 0 };
		if (n > 0 && t[0].kind == CPP_IDENT) {
			expand(p, t, n, &x);
			t = x.v;
			n = x.n;
		}
		char name[1024];
		bool angled;
		if (n >= 1 && t[0].kind == CPP_STR) {
			snprintf(name, sizeof(name), "%.*s", (int)t[0].len - 2, t[0].s + 1);
			angled = false;
		} else if (n >= 3 && cpp_is(&t[0], "<")) {
			size_t w = 0;
			name[0] = '\0';
			for (size_t i = 1; i < n && !cpp_is(&t[i], ">") && w < sizeof(name); i++)
				w += (size_t)snprintf(name + w, sizeof(name) - w, "%.*s", (int)t[i].len, t[i].s);
			angled = true;
		} else {
			err(p, sys, at, "#include expects \"FILENAME\" or <FILENAME>%s", "");
			return;
		}
		const char *after = cpp_is(d, "include_next") && sys ? cur_in : NULL;
		char *path = resolve(p, name, angled, cur_dir, after);
		if (!path) {
			if (!sys && !(angled && kernel_header(name)))
				err(p, false, at, "'%s' file not found", name);
			return;
		}
		if (p->depth >= MAX_INCLUDE_DEPTH) {
			err(p, sys, at, "#include nested too deeply (at %s)", name);
			return;
		}
		p->errors += process_file(p, path, at);
		return;
	}
	if (cpp_is(d, "error")) {
		err(p, sys, at, "#error%s", arena_strndup(p->a, n ? t[0].s - 1 : "", n ? (size_t)(t[n - 1].s + t[n - 1].len - t[0].s + 1) : 0));
		return;
	}
	/* #pragma, #warning, #line, #ident: nothing for us to do. */
}

/* The directory part of a path, arena-allocated ("." for none). */
static const char *dir_of(struct cpp *p, const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? arena_strndup(p->a, path, s == path ? 1 : (size_t)(s - path)) : ".";
}

/* The search directory a header was found in, for #include_next. */
static const char *found_in(struct cpp *p, const char *path)
{
	for (unsigned i = 0; i < p->ndirs; i++) {
		size_t n = strlen(p->dirs[i]);
		if (!strncmp(path, p->dirs[i], n) && path[n] == '/')
			return p->dirs[i];
	}
	return NULL;
}

/* A header: logical lines (continuations joined), directives run, runs
 * of text between them expanded and appended to the output. */
static unsigned process_file(struct cpp *p, const char *path, struct span at)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t cap = 65536, n = 0;
	char *buf = arena_alloc(p->a, cap);
	for (;;) {
		if (cap - n < 4096) {
			char *nb = arena_alloc(p->a, cap * 2);
			memcpy(nb, buf, n);
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	/* Comments out first (a directive may follow a block comment's end,
	 * and a comment may hide a '#'); line joins out too. */
	char *s = arena_alloc(p->a, n + 1);
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		if (buf[i] == '\\' && buf[i + 1] == '\n') {
			i += 2;
		} else if (buf[i] == '/' && buf[i + 1] == '*') {
			i += 2;
			while (i < n && !(buf[i] == '*' && buf[i + 1] == '/'))
				i++;
			i = i < n ? i + 2 : n;
			s[w++] = ' ';
		} else if (buf[i] == '/' && buf[i + 1] == '/') {
			while (i < n && buf[i] != '\n')
				i++;
		} else if (buf[i] == '"' || buf[i] == '\'') {
			char q = buf[i];
			s[w++] = buf[i++];
			while (i < n && buf[i] != q && buf[i] != '\n') {
				if (buf[i] == '\\' && i + 1 < n)
					s[w++] = buf[i++];
				s[w++] = buf[i++];
			}
			if (i < n && buf[i] == q)
				s[w++] = buf[i++];
		} else {
			s[w++] = buf[i++];
		}
	}
	s[w] = '\0';
	const char *cur_dir = dir_of(p, path), *cur_in = found_in(p, path);
	p->depth++;
	int ncond0 = p->ncond;
	struct cpp_toks text = { 0 };
	for (size_t i = 0; i < w;) {
		size_t e = i;
		while (e < w && s[e] != '\n')
			e++;
		size_t b = i;
		while (b < e && (s[b] == ' ' || s[b] == '\t'))
			b++;
		if (b < e && s[b] == '#') {
			if (text.n) {
				expand(p, text.v, text.n, &p->out);
				text.n = 0;
			}
			struct cpp_toks l = { 0 };
			tokenize(p, s + b + 1, e - b - 1, at, true, &l);
			directive(p, l.v, l.n, at, true, cur_dir, cur_in);
		} else if (active(p)) {
			tokenize(p, s + i, e - i, at, true, &text);
		}
		i = e + 1;
	}
	if (text.n)
		expand(p, text.v, text.n, &p->out);
	p->ncond = p->ncond > ncond0 ? ncond0 : p->ncond;   /* a header's unterminated #if ends with it */
	p->depth--;
	return 0;
}

unsigned cpp_script(struct cpp *p, const char *text, size_t len, struct span at)
{
	unsigned before = p->errors;
	size_t b = 0;
	while (b < len && (text[b] == ' ' || text[b] == '\t'))
		b++;
	if (b < len && text[b] == '#') {
		struct cpp_toks l = { 0 };
		struct span s = at;
		s.off += (uint32_t)(b + 1);
		s.col += (uint32_t)(b + 1);
		tokenize(p, text + b + 1, len - b - 1, s, false, &l);
		directive(p, l.v, l.n, at, false, p->script_dir, NULL);
		return p->errors - before;
	}
	if (!active(p))
		return 0;
	struct cpp_toks l = { 0 };
	tokenize(p, text, len, at, false, &l);
	expand(p, l.v, l.n, &p->out);
	/* bpftrace takes `struct A { ... }` without its ';' */
	if (p->out.n && !cpp_is(&p->out.v[p->out.n - 1], ";")) {
		struct cpp_tok semi = p->out.v[p->out.n - 1];
		semi.kind = CPP_PUNCT;
		semi.s = ";";
		semi.len = 1;
		semi.hide = NULL;
		toks_push(p, &p->out, semi);
	}
	return p->errors - before;
}

unsigned cpp_force_include(struct cpp *p, const char *path)
{
	char *full = resolve(p, path, false, p->script_dir, NULL);
	if (!full) {
		p->errors++;
		diag_plain(p->d, DIAG_ERROR, "--include: '%s' file not found", path);
		return 1;
	}
	return process_file(p, full, (struct span){ 0 });
}

unsigned cpp_finish(struct cpp *p)
{
	unsigned errors = 0;
	while (p->ncond > 0) {
		struct cond *c = &p->cond[--p->ncond];
		diag_error(p->d, c->at, "unterminated conditional directive");
		errors++;
	}
	p->errors += errors;
	return errors;
}

const struct cpp_toks *cpp_output(const struct cpp *p)
{
	return &p->out;
}

/* gcc's own headers (stddef.h, stdarg.h) sit in a versioned directory. */
static const char *gcc_include_dir(struct cpp *p)
{
	const char *base = "/usr/lib/gcc/x86_64-linux-gnu";
	DIR *d = opendir(base);
	if (!d)
		return NULL;
	const char *best = NULL;
	long bestv = -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (end == e->d_name || v <= bestv)
			continue;
		char *c = arena_printf(p->a, "%s/%s/include", base, e->d_name);
		if (file_exists(arena_printf(p->a, "%s/stddef.h", c))) {
			best = c;
			bestv = v;
		}
	}
	closedir(d);
	return best;
}

struct cpp *cpp_new(struct arena *a, struct diag *d, const char *const *dirs, unsigned ndirs,
		    const char *script_dir)
{
	struct cpp *p = arena_alloc(a, sizeof(*p));
	p->nhash = NHASH;
	p->hash = arena_alloc(a, NHASH * sizeof(*p->hash));
	p->a = a;
	p->d = d;
	p->script_dir = script_dir;
	const char *sys[] = { "/usr/local/include", gcc_include_dir(p), "/usr/include/x86_64-linux-gnu", "/usr/include" };
	p->dirs = arena_alloc(a, (ndirs + 4) * sizeof(*p->dirs));
	for (unsigned i = 0; i < ndirs; i++)
		p->dirs[p->ndirs++] = dirs[i];
	p->nuser = ndirs;
	for (size_t i = 0; i < 4; i++)
		if (sys[i])
			p->dirs[p->ndirs++] = sys[i];
	/* What gcc would predefine on this machine, enough for glibc's and
	 * the kernel's uapi headers to take their x86-64 paths. */
	static const char *const pre[][2] = {
		{ "__STDC__", "1" }, { "__STDC_VERSION__", "201710L" }, { "__STDC_HOSTED__", "1" },
		{ "__GNUC__", "12" }, { "__GNUC_MINOR__", "2" }, { "__GNUC_PATCHLEVEL__", "0" },
		{ "__x86_64__", "1" }, { "__x86_64", "1" }, { "__amd64__", "1" }, { "__amd64", "1" },
		{ "__linux__", "1" }, { "__linux", "1" }, { "__unix__", "1" }, { "__unix", "1" },
		{ "__LP64__", "1" }, { "_LP64", "1" }, { "__ELF__", "1" }, { "__CHAR_BIT__", "8" },
		{ "__SIZEOF_INT__", "4" }, { "__SIZEOF_LONG__", "8" }, { "__SIZEOF_LONG_LONG__", "8" },
		{ "__SIZEOF_SHORT__", "2" }, { "__SIZEOF_POINTER__", "8" }, { "__SIZEOF_SIZE_T__", "8" },
		{ "__SIZEOF_INT128__", "16" }, { "__ORDER_LITTLE_ENDIAN__", "1234" },
		{ "__ORDER_BIG_ENDIAN__", "4321" }, { "__BYTE_ORDER__", "__ORDER_LITTLE_ENDIAN__" },
		{ "__INT_MAX__", "0x7fffffff" }, { "__LONG_MAX__", "0x7fffffffffffffffL" },
		{ "__SCHAR_MAX__", "0x7f" }, { "__SHRT_MAX__", "0x7fff" },
		{ "__LONG_LONG_MAX__", "0x7fffffffffffffffLL" }, { "__SIZE_TYPE__", "long unsigned int" },
		{ "__PTRDIFF_TYPE__", "long int" }, { "__WCHAR_TYPE__", "int" },
		{ "__CHAR16_TYPE__", "short unsigned int" }, { "__CHAR32_TYPE__", "unsigned int" },
		{ "__BPFTRACE__", "1" },
	};
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		cpp_predefine(p, pre[i][0], pre[i][1]);
	return p;
}
