/* cpp: the preprocessor's tokens, its macro table, and macro expansion with hidesets (cpp_file.c reads files and directives). */
#include "ast/cpp_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- tokens ---- */

void cpp_toks_push(struct cpp *p, struct cpp_toks *l, struct cpp_tok t)
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
void cpp_tokenize(struct cpp *p, const char *s, size_t n, struct span at, bool sys, struct cpp_toks *out)
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
		cpp_toks_push(p, out, t);
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

struct cpp_macro *cpp_macro_find(struct cpp *p, const char *s, size_t n)
{
	for (struct cpp_macro *m = *bucket(p, s, n); m; m = m->next)
		if (strlen(m->name) == n && !memcmp(m->name, s, n))
			return m;
	return NULL;
}

void cpp_macro_undef(struct cpp *p, const char *s, size_t n)
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
	cpp_macro_undef(p, m->name, strlen(m->name));
	if (p->nmacros >= 2 * p->nhash)
		macro_rehash(p);
	struct cpp_macro **b = bucket(p, m->name, strlen(m->name));
	m->next = *b;
	*b = m;
	p->nmacros++;
}

bool cpp_is_macro(struct cpp *p, const char *name)
{
	return cpp_macro_find(p, name, strlen(name)) != NULL;
}

/* #define NAME[(params)] body: tokens after the directive name. */
bool cpp_define(struct cpp *p, const struct cpp_tok *t, size_t n)
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
	cpp_tokenize(p, text, strlen(text), (struct span){ 0 }, true, &l);
	cpp_define(p, l.v, l.n);
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
	cpp_tokenize(p, s, a.len + b.len, a.at, true, &l);
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
				cpp_toks_push(p, work, call->v[j]);
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
		cpp_toks_push(p, call, t);
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
				cpp_toks_push(p, r, s);
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
						cpp_toks_push(p, r, a[j]);
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
					cpp_toks_push(p, r, a[j]);
			} else {
				cpp_expand(p, a, len, r);
			}
			if (r->n > first)
				r->v[first].space = t->space;
			continue;
		}
		cpp_toks_push(p, r, *t);
	}
}

/* Expands in[0..n) into out, rescanning each replacement together with the
 * tokens after it (a function-like name a replacement ends with takes its
 * arguments from what follows). The tokens still to read are a stack, top
 * last, so a replacement is pushed in front in time linear in its length. */
void cpp_expand(struct cpp *p, const struct cpp_tok *in, size_t n, struct cpp_toks *out)
{
	struct cpp_toks work = { 0 };
	for (size_t i = n; i-- > 0;)
		cpp_toks_push(p, &work, in[i]);
	unsigned steps = 0;
	while (work.n > 0) {
		struct cpp_tok t = work.v[--work.n];
		struct cpp_macro *m = t.kind == CPP_IDENT && !t.noexpand ? cpp_macro_find(p, t.s, t.len) : NULL;
		if (m && steps <= 200000 && hs_of(&t) && hs_of(&t)->len >= MAX_EXPANSION_DEPTH) {
			if (!p->told_too_deep)
				cpp_err(p, t.sys, t.at, "macro '%s' is nested more than 256 expansions deep", m->name);
			p->told_too_deep = true;
			steps = 200000;    /* the rest is copied as it is */
		}
		if (!m || hs_has(hs_of(&t), m) || ++steps > 200000) {
			if (m)
				t.noexpand = true;
			cpp_toks_push(p, out, t);
			continue;
		}
		size_t starts[65], lens[65];
		unsigned nargs = 0;
		struct cpp_toks call = { 0 };
		if (m->fn) {
			if (work.n == 0 || !cpp_is(&work.v[work.n - 1], "(")) {
				cpp_toks_push(p, out, t);
				continue;
			}
			struct cpp_tok lp = work.v[--work.n];
			if (!collect_args(p, m, &work, &call, starts, lens, &nargs)) {
				cpp_toks_push(p, &work, lp);
				cpp_toks_push(p, out, t);
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
			cpp_toks_push(p, &work, r.v[k]);
	}
}

void cpp_set_ident(struct cpp *p, cpp_ident_fn fn, void *ud)
{
	p->ident = fn;
	p->ident_ud = ud;
}

int cpp_macro_value(struct cpp *p, const char *name, const int64_t *args, int nargs, bool call,
		    int64_t *v, const char **str, uint32_t *len)
{
	struct cpp_macro *m = cpp_macro_find(p, name, strlen(name));
	if (!m)
		return 0;
	if (m->fn != call)
		return -1;
	struct cpp_toks in = { 0 }, out = { 0 };
	struct cpp_tok nt = { .kind = CPP_IDENT, .s = m->name, .len = (uint32_t)strlen(m->name), .sys = true };
	cpp_toks_push(p, &in, nt);
	if (call) {
		cpp_toks_push(p, &in, (struct cpp_tok){ .kind = CPP_PUNCT, .s = "(", .len = 1, .sys = true });
		for (int i = 0; i < nargs; i++) {
			if (i)
				cpp_toks_push(p, &in, (struct cpp_tok){ .kind = CPP_PUNCT, .s = ",", .len = 1, .sys = true });
			char *s = arena_printf(p->a, "(%lld)", (long long)args[i]);
			cpp_tokenize(p, s, strlen(s), (struct span){ 0 }, true, &in);
		}
		cpp_toks_push(p, &in, (struct cpp_tok){ .kind = CPP_PUNCT, .s = ")", .len = 1, .sys = true });
	}
	cpp_expand(p, in.v, in.n, &out);
	/* A string literal, possibly in parentheses. */
	size_t b = 0, e = out.n;
	while (e - b >= 2 && cpp_is(&out.v[b], "(") && cpp_is(&out.v[e - 1], ")")) {
		b++;
		e--;
	}
	/* Only a closed literal: `"` alone (a string cut short) made its length
	 * -1, and the caller copied 4 GB (fuzz: tests/fuzz/corpus/regress-*). */
	if (e - b == 1 && out.v[b].kind == CPP_STR && out.v[b].len >= 2 &&
	    out.v[b].s[out.v[b].len - 1] == '"') {
		*str = out.v[b].s + 1;
		*len = out.v[b].len - 2;
		return 1;
	}
	if (e == b || !cpp_eval(p, out.v, out.n, false, v))
		return -1;
	*str = NULL;
	return 1;
}
