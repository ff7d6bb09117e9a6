/* output_fmt: printf formats: formatting a record (the grammar is common/fmt.c). */
#include "output/output_impl.h"

#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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
static void c_spec(const struct fmt_spec *sp, const char *conv, bool precision, char *out,
		   size_t n)
{
	char fl[8], *f = fl;
	if (sp->flags & FMT_FLAG_LEFT) *f++ = '-';
	if (sp->flags & FMT_FLAG_PLUS) *f++ = '+';
	if (sp->flags & FMT_FLAG_SPACE) *f++ = ' ';
	if (sp->flags & FMT_FLAG_ALT) *f++ = '#';
	if (sp->flags & FMT_FLAG_ZERO) *f++ = '0';
	*f = '\0';
	char w[16] = "", p[16] = "";
	if (sp->width > 0)
		snprintf(w, sizeof(w), "%d", sp->width);
	if (precision && sp->precision >= 0)
		snprintf(p, sizeof(p), ".%d", sp->precision);
	snprintf(out, n, "%%%s%s%s%s", fl, w, p, conv);
}

/* Text padded to the width, cut to the precision, as C's %s. */
static void pad_text(struct out_buf *b, const struct fmt_spec *sp, const char *s, size_t n,
		     bool precision)
{
	if (precision && sp->precision >= 0 && (size_t)sp->precision < n)
		n = (size_t)sp->precision;
	size_t pad = sp->width > 0 && (size_t)sp->width > n ? (size_t)sp->width - n : 0;
	if (!(sp->flags & FMT_FLAG_LEFT))
		for (size_t i = 0; i < pad; i++)
			out_buf_putc(b, ' ');
	out_buf_put(b, s, n);
	if (sp->flags & FMT_FLAG_LEFT)
		for (size_t i = 0; i < pad; i++)
			out_buf_putc(b, ' ');
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void put_c(struct out_buf *b, const char *spec, ...)
{
	char small[64];
	va_list ap;
	va_start(ap, spec);
	int n = vsnprintf(small, sizeof(small), spec, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if ((size_t)n < sizeof(small)) {
		out_buf_put(b, small, (size_t)n);
		return;
	}
	char *tmp = xmalloc((size_t)n + 1);
	va_start(ap, spec);
	vsnprintf(tmp, (size_t)n + 1, spec, ap);
	va_end(ap);
	out_buf_put(b, tmp, (size_t)n);
	free(tmp);
}
#pragma GCC diagnostic pop

/* The conversions most formats use, %d, %i, %u and %s with no flag, width or
 * precision, are written here directly. Through snprintf each value cost the
 * reader a spec built by snprintf, vsnprintf twice and a malloc, and the
 * reader, not the kernel, set the highest lossless printf rate. */
static bool plain(const struct fmt_spec *sp)
{
	return !sp->flags && sp->width <= 0 && sp->precision < 0;
}

static void put_decimal(struct out_buf *b, uint64_t v, bool negative)
{
	char d[24], *p = d + sizeof(d);
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	if (negative)
		*--p = '-';
	out_buf_put(b, p, (size_t)(d + sizeof(d) - p));
}

/* One conversion. Flags, width and precision act as in C's printf (upstream
 * prints through an ostream, where "%05d" of -42 gives "00-42", precision
 * is dropped for integers and strings, and ' ' is ignored; those are
 * upstream bugs we do not copy). */
static void apply_spec(struct out_sink *s, struct out_buf *b, const struct fmt_spec *sp,
		       const struct ty *t, const uint8_t *v)
{
	char spec[48];
	bool is_signed;
	uint64_t bits;
	switch (sp->conv) {
	case FMT_CONV_SIGNED: case FMT_CONV_UNSIGNED: case FMT_CONV_CHAR:
		if (!arg_number(t, v, &is_signed, &bits))
			break;
		if (sp->conv == FMT_CONV_SIGNED && plain(sp) && (sp->letters[0] == 'd' || sp->letters[0] == 'i')) {
			int64_t x = cast_signed(sp->length, (int64_t)bits);
			put_decimal(b, x < 0 ? -(uint64_t)x : (uint64_t)x, x < 0);
		} else if (sp->conv == FMT_CONV_UNSIGNED && plain(sp) && sp->letters[0] == 'u') {
			put_decimal(b, cast_unsigned(sp->length, bits), false);
		} else if (sp->conv == FMT_CONV_SIGNED) {
			char conv[4] = { 'l', 'l', sp->letters[0], 0 };
			c_spec(sp, conv, true, spec, sizeof(spec));
			put_c(b, spec, (long long)cast_signed(sp->length, (int64_t)bits));
		} else if (sp->conv == FMT_CONV_UNSIGNED) {
			char conv[4] = { 'l', 'l', sp->letters[0], 0 };
			c_spec(sp, conv, true, spec, sizeof(spec));
			put_c(b, spec, (unsigned long long)cast_unsigned(sp->length, bits));
		} else {
			c_spec(sp, "c", false, spec, sizeof(spec));
			put_c(b, spec, (int)(char)cast_signed(sp->length, (int64_t)bits));
		}
		return;
	case FMT_CONV_GFP: {
		if (!arg_number(t, v, &is_signed, &bits))
			break;
		struct out_buf tmp = { 0 };
		out_put_gfp(&tmp, bits);
		pad_text(b, sp, tmp.p ? tmp.p : "", tmp.len, false);
		out_buf_fini(&tmp);
		return;
	}
	case FMT_CONV_POINTER: {
		if (!arg_number(t, v, &is_signed, &bits))
			break;
		char str[24] = "0";
		if (bits)
			snprintf(str, sizeof(str), "0x%" PRIx64, bits);
		pad_text(b, sp, str, strlen(str), false);
		return;
	}
	case FMT_CONV_BUFFER:
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
	case FMT_CONV_STRING: case FMT_CONV_FLOAT: case FMT_CONV_OTHER: {
		if (plain(sp)) {
			out_put_value(s, b, t, v, false, 1);
			return;
		}
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

static void format_into(struct out_sink *s, const struct fmt *f, const struct desc_event *ev,
			const void *record, struct out_buf *b)
{
	uint32_t n = ev->nargs < f->nspecs ? ev->nargs : f->nspecs;
	for (uint32_t i = 0; i < n; i++) {
		/* fragments are consecutive and NUL-terminated: a length without strlen */
		out_buf_put(b, f->text + f->frag[i], f->frag[i + 1] - f->frag[i] - 1);
		apply_spec(s, b, &f->specs[i], ev->args[i].type,
			   (const uint8_t *)record + ev->args[i].offset);
	}
	out_buf_puts(b, f->text + f->frag[f->nspecs]);
}

/* The event's parsed format: cached by out_sink_set_desc, or parsed now. */
static const struct fmt *event_fmt(struct out_sink *s, const struct desc_event *ev,
				       struct fmt *tmp)
{
	if (s->fmts && ev >= s->desc->events && ev < s->desc->events + s->desc->nevents &&
	    s->fmts[ev - s->desc->events].text)
		return &s->fmts[ev - s->desc->events];
	fmt_parse(ev->fmt ? ev->fmt : "", tmp);
	return tmp;
}

/* The line of a printf into the sink's buffer, kept from one event to the next. */
static struct out_buf *format_line(struct out_sink *s, const struct desc_event *ev, const void *record)
{
	struct fmt tmp = { 0 };
	const struct fmt *f = event_fmt(s, ev, &tmp);
	s->line.len = 0;
	format_into(s, f, ev, record, &s->line);
	out_buf_put(&s->line, "", 0);
	fmt_fini(&tmp);
	return &s->line;
}

char *out_format(struct out_sink *s, const struct desc_event *ev, const void *record,
		 size_t *len)
{
	struct fmt tmp = { 0 };
	const struct fmt *f = event_fmt(s, ev, &tmp);
	struct out_buf b = { 0 };
	format_into(s, f, ev, record, &b);
	out_buf_put(&b, "", 0);
	fmt_fini(&tmp);
	if (len)
		*len = b.len;
	return b.p;
}

void out_printf(struct out_sink *s, const struct desc_event *ev, const void *record)
{
	const struct out_buf *line = format_line(s, ev, record);
	if (s->mode == OUT_JSON) {
		struct out_buf b = { 0 };
		out_buf_puts(&b, "{\"type\": \"printf\", \"data\": ");
		out_json_str(&b, line->p, line->len);
		out_buf_puts(&b, "}\n");
		out_flush_buf(s, &b);
		out_buf_fini(&b);
	} else {
		fwrite_unlocked(line->p, 1, line->len, s->out);   /* the reader is the one thread writing */
	}
}
