/* cpp_eval: integer constant expressions: #if lines, macro values, array sizes and enum values. */
#include "ast/cpp_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
