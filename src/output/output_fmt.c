/* output_fmt: printf formats: parsing, the compile-time argument check, and formatting a record. */
#include "output/output_impl.h"

#include <ctype.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/arena.h"

/* ---- parsing ------------------------------------------------------------- */

/* One conversion at fmt[0] == '%', by upstream's regex
 *   %(-?)(\+?)( ?)(#?)(0?)(\*|\d+)?(?:\.(\*|\d+))?([hlLjzt]*)
 *    ([diouxXeEfFGaAcspn%]|gr|g|rh|rx|r)
 * which needs no backtracking: no two parts can start with the same
 * character. Returns the length matched, 0 for none. */
static size_t match_spec(const char *fmt, struct out_spec *sp)
{
	const char *p = fmt + 1;
	*sp = (struct out_spec){ .precision = -1 };
	static const struct { char c; uint8_t flag; } flags[] = {
		{ '-', OUT_FLAG_LEFT }, { '+', OUT_FLAG_PLUS }, { ' ', OUT_FLAG_SPACE },
		{ '#', OUT_FLAG_ALT }, { '0', OUT_FLAG_ZERO },
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
	case 'd': case 'i': sp->conv = OUT_CONV_SIGNED; break;
	case 'o': case 'u': case 'x': case 'X': sp->conv = OUT_CONV_UNSIGNED; break;
	case 'c': sp->conv = OUT_CONV_CHAR; break;
	case 's': sp->conv = OUT_CONV_STRING; break;
	case 'p': sp->conv = OUT_CONV_POINTER; break;
	case 'r': sp->conv = OUT_CONV_BUFFER; break;
	case 'g': sp->conv = clen == 2 ? OUT_CONV_OTHER : OUT_CONV_FLOAT; break;
	case 'n': case '%': sp->conv = OUT_CONV_OTHER; break;
	default: sp->conv = OUT_CONV_FLOAT; break;
	}
	return (size_t)(p + clen - fmt);
}

void out_fmt_parse(const char *fmt, struct out_fmt *res)
{
	size_t n = strlen(fmt), cap = 4;
	*res = (struct out_fmt){ 0 };
	/* the fragments are never longer than fmt, plus one NUL each */
	res->text = xmalloc(n + n / 2 + 2);
	res->frag = xmalloc(cap * sizeof(*res->frag));
	res->specs = xmalloc(cap * sizeof(*res->specs));
	size_t out = 0;
	res->frag[0] = 0;
	for (size_t i = 0; i < n;) {
		struct out_spec sp;
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

void out_fmt_fini(struct out_fmt *f)
{
	free(f->text);
	free(f->frag);
	free(f->specs);
	*f = (struct out_fmt){ 0 };
}

/* ---- the compile-time check ------------------------------------------------ */

static bool any_integer(const struct ty *t)
{
	return t->kind == TY_INT || t->kind == TY_BOOL || t->kind == TY_PTR;
}

int out_fmt_check(const struct out_fmt *f, const struct ty *const *args, uint32_t nargs,
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
		const struct out_spec *sp = &f->specs[i];
		const struct ty *t = args[i];
		if (!t || t->kind == TY_NONE || t->kind == TY_VOID) {
			snprintf(err, errlen, "unable to print none type for specifier: %s", sp->letters);
			return -1;
		}
		bool ok = false;
		switch (sp->conv) {
		case OUT_CONV_SIGNED: case OUT_CONV_UNSIGNED: case OUT_CONV_CHAR:
		case OUT_CONV_POINTER:
			ok = any_integer(t);
			break;
		case OUT_CONV_BUFFER:
			ok = t->kind == TY_BUFFER;
			break;
		case OUT_CONV_STRING:
			ok = true;
			break;
		case OUT_CONV_FLOAT: case OUT_CONV_OTHER:
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

/* ---- formatting ---------------------------------------------------------- */

/* An argument as a number, or false when it is not one. */
static bool arg_number(const struct ty *t, const uint8_t *v, bool *is_signed, uint64_t *bits)
{
	switch (t->kind) {
	case TY_INT: {
		uint64_t u = 0;
		int64_t sv = 0;
		switch (t->size) {
		case 1: sv = (int8_t)v[0]; u = v[0]; break;
		case 2: { int16_t x; memcpy(&x, v, 2); sv = x; u = (uint16_t)x; break; }
		case 4: { int32_t x; memcpy(&x, v, 4); sv = x; u = (uint32_t)x; break; }
		default: { int64_t x; memcpy(&x, v, 8); sv = x; u = (uint64_t)x; break; }
		}
		*is_signed = t->is_signed;
		*bits = t->is_signed ? (uint64_t)sv : u;
		return true;
	}
	case TY_BOOL:
		*is_signed = false;
		*bits = v[0] != 0;
		return true;
	case TY_PTR:
		*is_signed = false;
		memcpy(bits, v, 8);
		return true;
	case TY_NONE: case TY_VOID: case TY_STRING: case TY_BUFFER: case TY_ARRAY:
	case TY_RECORD: case TY_TUPLE: case TY_STACK: case TY_KSYM: case TY_USYM:
	case TY_USERNAME: case TY_INET: case TY_TIMESTAMP: case TY_CGROUP_PATH: case TY_MACADDR: case TY_ERRNO:
	case TY_AGG: case TY_MAP: case TY__COUNT:
		break;
	}
	return false;
}

/* Upstream converts the value to the C type the length modifier names (int
 * without one, as C's printf would read it) and prints that: %d of 2^32+1
 * is 1, %hhu of 257 is 1, %lld is the whole value. */
static int64_t cast_signed(const char *len, int64_t v)
{
	if (!strcmp(len, "hh"))
		return (char)v;
	if (!strcmp(len, "h"))
		return (short)v;
	if (!strcmp(len, "l") || !strcmp(len, "ll") || !strcmp(len, "j") ||
	    !strcmp(len, "z") || !strcmp(len, "t"))
		return v;
	return (int)v;
}

static uint64_t cast_unsigned(const char *len, uint64_t v)
{
	if (!strcmp(len, "hh"))
		return (unsigned char)v;
	if (!strcmp(len, "h"))
		return (unsigned short)v;
	if (!strcmp(len, "l") || !strcmp(len, "ll") || !strcmp(len, "j") ||
	    !strcmp(len, "z") || !strcmp(len, "t"))
		return v;
	return (unsigned int)v;
}

/* "%<flags><width>.<prec>" for snprintf, with `conv` appended. */
static void c_spec(const struct out_spec *sp, const char *conv, bool precision, char *out,
		   size_t n)
{
	char fl[8], *f = fl;
	if (sp->flags & OUT_FLAG_LEFT) *f++ = '-';
	if (sp->flags & OUT_FLAG_PLUS) *f++ = '+';
	if (sp->flags & OUT_FLAG_SPACE) *f++ = ' ';
	if (sp->flags & OUT_FLAG_ALT) *f++ = '#';
	if (sp->flags & OUT_FLAG_ZERO) *f++ = '0';
	*f = '\0';
	char w[16] = "", p[16] = "";
	if (sp->width > 0)
		snprintf(w, sizeof(w), "%d", sp->width);
	if (precision && sp->precision >= 0)
		snprintf(p, sizeof(p), ".%d", sp->precision);
	snprintf(out, n, "%%%s%s%s%s", fl, w, p, conv);
}

/* Text padded to the width, cut to the precision, as C's %s. */
static void pad_text(struct out_buf *b, const struct out_spec *sp, const char *s, size_t n,
		     bool precision)
{
	if (precision && sp->precision >= 0 && (size_t)sp->precision < n)
		n = (size_t)sp->precision;
	size_t pad = sp->width > 0 && (size_t)sp->width > n ? (size_t)sp->width - n : 0;
	if (!(sp->flags & OUT_FLAG_LEFT))
		for (size_t i = 0; i < pad; i++)
			out_buf_putc(b, ' ');
	out_buf_put(b, s, n);
	if (sp->flags & OUT_FLAG_LEFT)
		for (size_t i = 0; i < pad; i++)
			out_buf_putc(b, ' ');
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void put_c(struct out_buf *b, const char *spec, ...)
{
	va_list ap;
	va_start(ap, spec);
	int n = vsnprintf(NULL, 0, spec, ap);
	va_end(ap);
	if (n <= 0)
		return;
	char *tmp = xmalloc((size_t)n + 1);
	va_start(ap, spec);
	vsnprintf(tmp, (size_t)n + 1, spec, ap);
	va_end(ap);
	out_buf_put(b, tmp, (size_t)n);
	free(tmp);
}
#pragma GCC diagnostic pop

/* One conversion. Flags, width and precision act as in C's printf (upstream
 * prints through an ostream, where "%05d" of -42 gives "00-42", precision
 * is dropped for integers and strings, and ' ' is ignored; those are
 * upstream bugs we do not copy). */
static void apply_spec(struct out_sink *s, struct out_buf *b, const struct out_spec *sp,
		       const struct ty *t, const uint8_t *v)
{
	char spec[48];
	bool is_signed;
	uint64_t bits;
	switch (sp->conv) {
	case OUT_CONV_SIGNED: case OUT_CONV_UNSIGNED: case OUT_CONV_CHAR:
		if (!arg_number(t, v, &is_signed, &bits))
			break;
		if (sp->conv == OUT_CONV_SIGNED) {
			char conv[4] = { 'l', 'l', sp->letters[0], 0 };
			c_spec(sp, conv, true, spec, sizeof(spec));
			put_c(b, spec, (long long)cast_signed(sp->length, (int64_t)bits));
		} else if (sp->conv == OUT_CONV_UNSIGNED) {
			char conv[4] = { 'l', 'l', sp->letters[0], 0 };
			c_spec(sp, conv, true, spec, sizeof(spec));
			put_c(b, spec, (unsigned long long)cast_unsigned(sp->length, bits));
		} else {
			c_spec(sp, "c", false, spec, sizeof(spec));
			put_c(b, spec, (int)(char)cast_signed(sp->length, (int64_t)bits));
		}
		return;
	case OUT_CONV_POINTER: {
		if (!arg_number(t, v, &is_signed, &bits))
			break;
		char str[24] = "0";
		if (bits)
			snprintf(str, sizeof(str), "0x%" PRIx64, bits);
		pad_text(b, sp, str, strlen(str), false);
		return;
	}
	case OUT_CONV_BUFFER:
		if (t->kind == TY_BUFFER) {
			uint32_t len;
			memcpy(&len, v, 4);
			if (t->size >= 4 && len > t->size - 4)
				len = t->size - 4;
			struct out_buf tmp = { 0 };
			bool rh = sp->letters[1] == 'h', rx = sp->letters[1] == 'x';
			out_put_hex(&tmp, v + 4, len, !rh && !rx, !rh);
			pad_text(b, sp, tmp.p ? tmp.p : "", tmp.len, false);
			out_buf_fini(&tmp);
			return;
		}
		/* fall back to the value's text, as %s */
		/* fallthrough */
	case OUT_CONV_STRING: case OUT_CONV_FLOAT: case OUT_CONV_OTHER: {
		struct out_buf tmp = { 0 };
		out_put_value(s, &tmp, t, v, false, 1);
		pad_text(b, sp, tmp.p ? tmp.p : "", tmp.len, true);
		out_buf_fini(&tmp);
		return;
	}
	}
	/* a non-number under a numeric conversion: upstream embeds the error */
	struct out_buf tmp = { 0 };
	out_put_value(s, &tmp, t, v, false, 1);
	out_buf_printf(b, "!{invalid integer conversion: %s}", tmp.p ? tmp.p : "");
	out_buf_fini(&tmp);
}

static void format_into(struct out_sink *s, const struct out_fmt *f, const struct desc_event *ev,
			const void *record, struct out_buf *b)
{
	uint32_t n = ev->nargs < f->nspecs ? ev->nargs : f->nspecs;
	for (uint32_t i = 0; i < n; i++) {
		out_buf_puts(b, f->text + f->frag[i]);
		apply_spec(s, b, &f->specs[i], ev->args[i].type,
			   (const uint8_t *)record + ev->args[i].offset);
	}
	out_buf_puts(b, f->text + f->frag[f->nspecs]);
}

/* The event's parsed format: cached by out_sink_set_desc, or parsed now. */
static const struct out_fmt *event_fmt(struct out_sink *s, const struct desc_event *ev,
				       struct out_fmt *tmp)
{
	if (s->fmts && ev >= s->desc->events && ev < s->desc->events + s->desc->nevents &&
	    s->fmts[ev - s->desc->events].text)
		return &s->fmts[ev - s->desc->events];
	out_fmt_parse(ev->fmt ? ev->fmt : "", tmp);
	return tmp;
}

char *out_format(struct out_sink *s, const struct desc_event *ev, const void *record,
		 size_t *len)
{
	struct out_fmt tmp = { 0 };
	const struct out_fmt *f = event_fmt(s, ev, &tmp);
	struct out_buf b = { 0 };
	format_into(s, f, ev, record, &b);
	out_buf_put(&b, "", 0);
	out_fmt_fini(&tmp);
	if (len)
		*len = b.len;
	return b.p;
}

void out_printf(struct out_sink *s, const struct desc_event *ev, const void *record)
{
	size_t n;
	char *str = out_format(s, ev, record, &n);
	if (s->mode == OUT_JSON) {
		struct out_buf b = { 0 };
		out_buf_puts(&b, "{\"type\": \"printf\", \"data\": ");
		out_json_str(&b, str, n);
		out_buf_puts(&b, "}\n");
		out_flush_buf(s, &b);
		out_buf_fini(&b);
	} else {
		fwrite(str, 1, n, s->out);
	}
	free(str);
}
