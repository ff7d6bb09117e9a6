/* fmt: printf formats: parsing and the compile-time argument check. */
#include "common/fmt.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"

/* ---- parsing ------------------------------------------------------------- */

/* One conversion at fmt[0] == '%', by upstream's regex
 *   %(-?)(\+?)( ?)(#?)(0?)(\*|\d+)?(?:\.(\*|\d+))?([hlLjzt]*)
 *    ([diouxXeEfFGaAcspn%]|gr|g|rh|rx|r)
 * which needs no backtracking: no two parts can start with the same
 * character. Returns the length matched, 0 for none. */
static size_t match_spec(const char *fmt, struct fmt_spec *sp)
{
	const char *p = fmt + 1;
	*sp = (struct fmt_spec){ .precision = -1 };
	static const struct { char c; uint8_t flag; } flags[] = {
		{ '-', FMT_FLAG_LEFT }, { '+', FMT_FLAG_PLUS }, { ' ', FMT_FLAG_SPACE },
		{ '#', FMT_FLAG_ALT }, { '0', FMT_FLAG_ZERO },
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (*p == flags[i].c) {
			sp->flags |= flags[i].flag;
			p++;
		}
	if (*p == '*') {
		p++;
	} else {
		long w = 0;
		while (isdigit((unsigned char)*p))
			w = w < 100000 ? w * 10 + (*p++ - '0') : (p++, w);
		sp->width = (int)w;
	}
	if (p[0] == '.' && (p[1] == '*' || isdigit((unsigned char)p[1]))) {
		p++;
		if (*p == '*') {
			p++;
		} else {
			long pr = 0;
			while (isdigit((unsigned char)*p))
				pr = pr < 100000 ? pr * 10 + (*p++ - '0') : (p++, pr);
			sp->precision = (int)pr;
		}
	}
	size_t nlen = strspn(p, "hlLjzt");
	memcpy(sp->length, p, nlen < sizeof(sp->length) - 1 ? nlen : sizeof(sp->length) - 1);
	p += nlen;
	size_t clen = 1;
	if (*p && strchr("diouxXeEfFGaAcspn%", *p)) {
		clen = 1;
	} else if (p[0] == 'g' && p[1] == 'r') {
		clen = 2;
	} else if (p[0] == 'g') {
		clen = 1;
	} else if (p[0] == 'r' && (p[1] == 'h' || p[1] == 'x')) {
		clen = 2;
	} else if (p[0] == 'r') {
		clen = 1;
	} else {
		return 0;
	}
	memcpy(sp->letters, p, clen);
	switch (p[0]) {
	case 'd': case 'i': sp->conv = FMT_CONV_SIGNED; break;
	case 'o': case 'u': case 'x': case 'X': sp->conv = FMT_CONV_UNSIGNED; break;
	case 'c': sp->conv = FMT_CONV_CHAR; break;
	case 's': sp->conv = FMT_CONV_STRING; break;
	case 'p': sp->conv = FMT_CONV_POINTER; break;
	case 'r': sp->conv = FMT_CONV_BUFFER; break;
	case 'g': sp->conv = clen == 2 ? FMT_CONV_GFP : FMT_CONV_FLOAT; break;
	case 'n': case '%': sp->conv = FMT_CONV_OTHER; break;
	default: sp->conv = FMT_CONV_FLOAT; break;
	}
	return (size_t)(p + clen - fmt);
}

void fmt_parse(const char *fmt, struct fmt *res)
{
	size_t n = strlen(fmt), cap = 4;
	*res = (struct fmt){ 0 };
	/* the fragments are never longer than fmt, plus one NUL each */
	res->text = xmalloc(n + n / 2 + 2);
	res->frag = xmalloc(cap * sizeof(*res->frag));
	res->specs = xmalloc(cap * sizeof(*res->specs));
	size_t out = 0;
	res->frag[0] = 0;
	for (size_t i = 0; i < n;) {
		struct fmt_spec sp;
		size_t m = fmt[i] == '%' ? match_spec(fmt + i, &sp) : 0;
		if (!m) {
			res->text[out++] = fmt[i++];
			continue;
		}
		i += m;
		if (sp.letters[0] == '%') {
			res->text[out++] = '%';
			continue;
		}
		res->text[out++] = '\0';
		if (res->nspecs + 2 > cap) {
			cap *= 2;
			res->frag = xrealloc(res->frag, cap * sizeof(*res->frag));
			res->specs = xrealloc(res->specs, cap * sizeof(*res->specs));
		}
		res->specs[res->nspecs++] = sp;
		res->frag[res->nspecs] = (uint32_t)out;
	}
	res->text[out] = '\0';
}

void fmt_fini(struct fmt *f)
{
	free(f->text);
	free(f->frag);
	free(f->specs);
	*f = (struct fmt){ 0 };
}

/* ---- the compile-time check ------------------------------------------------ */

static bool any_integer(const struct ty *t)
{
	return t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PTR;
}

int fmt_check(const struct fmt *f, const struct ty *const *args, uint32_t nargs,
		  char *err, size_t errlen)
{
	if (nargs < f->nspecs) {
		snprintf(err, errlen, "Not enough arguments for format string (%u supplied, %u expected)",
			 nargs, f->nspecs);
		return -1;
	}
	if (nargs > f->nspecs) {
		snprintf(err, errlen, "Too many arguments for format string (%u supplied, %u expected)",
			 nargs, f->nspecs);
		return -1;
	}
	for (uint32_t i = 0; i < nargs; i++) {
		const struct fmt_spec *sp = &f->specs[i];
		const struct ty *t = args[i];
		if (!t || t->kind == TY_NONE || t->kind == TY_VOID) {
			snprintf(err, errlen, "unable to print none type for specifier: %s", sp->letters);
			return -1;
		}
		bool ok = false;
		switch (sp->conv) {
		case FMT_CONV_SIGNED: case FMT_CONV_UNSIGNED: case FMT_CONV_CHAR:
		case FMT_CONV_POINTER: case FMT_CONV_GFP:
			ok = any_integer(t);
			break;
		case FMT_CONV_BUFFER:
			ok = t->kind == TY_BUFFER;
			break;
		case FMT_CONV_STRING:
			ok = true;
			break;
		case FMT_CONV_FLOAT: case FMT_CONV_OTHER:
			snprintf(err, errlen, "unsupported format specifier: %s", sp->letters);
			return -1;
		}
		if (!ok) {
			struct arena *a = arena_new();
			snprintf(err, errlen, "unsupported format specifier for type '%s': %s",
				 ty_name(a, t), sp->letters);
			arena_free(a);
			return -1;
		}
	}
	return 0;
}
