/* types: constructors, layout, equality and names for the types in types.h. */
#include "common/types.h"

#include <stdlib.h>
#include <string.h>

/* Singletons are static and never written after initialisation; the
 * constructors hand out `const` pointers, and `struct ty` stores its children
 * without const only because arena-built types fill them in place. */
static struct ty t_none = { .kind = TY_NONE, .align = 1 };
static struct ty t_void = { .kind = TY_VOID, .align = 1 };
static struct ty t_bool = { .kind = TY_BOOL, .size = 1, .align = 1 };
static struct ty t_int[4][2] = {
	{ { .kind = TY_INT, .size = 1, .align = 1 },
	  { .kind = TY_INT, .size = 1, .align = 1, .is_signed = true } },
	{ { .kind = TY_INT, .size = 2, .align = 2 },
	  { .kind = TY_INT, .size = 2, .align = 2, .is_signed = true } },
	{ { .kind = TY_INT, .size = 4, .align = 4 },
	  { .kind = TY_INT, .size = 4, .align = 4, .is_signed = true } },
	{ { .kind = TY_INT, .size = 8, .align = 8 },
	  { .kind = TY_INT, .size = 8, .align = 8, .is_signed = true } },
};

const struct ty *ty_none(void) { return &t_none; }
const struct ty *ty_void(void) { return &t_void; }
const struct ty *ty_bool(void) { return &t_bool; }

const struct ty *ty_int(unsigned bytes, bool is_signed)
{
	switch (bytes) {
	case 1: return &t_int[0][is_signed];
	case 2: return &t_int[1][is_signed];
	case 4: return &t_int[2][is_signed];
	default: return &t_int[3][is_signed];
	}
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

/* Kinds whose layout is fixed get it here; common/desc.h documents each. */
struct ty *ty_new(struct arena *a, enum ty_kind k)
{
	struct ty *t = arena_alloc(a, sizeof(*t));
	t->kind = k;
	t->align = 1;
	switch (k) {
	case TY_BOOL:
		t->size = 1;
		break;
	case TY_PTR: case TY_KSYM: case TY_USERNAME: case TY_AGG: case TY_ERRNO:
		t->size = t->align = 8;
		break;
	case TY_USYM: case TY_STACK: case TY_TIMESTAMP: case TY_CGROUP_PATH:
		t->size = 16;
		t->align = 8;
		break;
	case TY_MACADDR:
		t->size = 6;
		break;
	case TY_INET:
		t->size = 24;
		t->align = 8;
		break;
	case TY_BUFFER:
		t->align = 4;
		break;
	case TY_NONE: case TY_VOID: case TY_INT: case TY_STRING: case TY_ARRAY:
	case TY_RECORD: case TY_TUPLE: case TY_MAP: case TY__COUNT:
		break;
	}
	return t;
}

struct ty *ty_string(struct arena *a, uint32_t capacity)
{
	struct ty *t = ty_new(a, TY_STRING);
	t->size = capacity;
	return t;
}

struct ty *ty_ptr(struct arena *a, const struct ty *elem, enum ty_addrspace as)
{
	struct ty *t = ty_new(a, TY_PTR);
	t->elem = (struct ty *)elem;
	t->as = as;
	return t;
}

struct ty *ty_array(struct arena *a, const struct ty *elem, uint32_t count)
{
	struct ty *t = ty_new(a, TY_ARRAY);
	t->elem = (struct ty *)elem;
	t->count = count;
	t->size = ty_size(elem) * count;
	t->align = elem->align ? elem->align : 1;
	return t;
}

struct ty *ty_tuple(struct arena *a, const struct ty *const *elems, uint32_t n)
{
	struct ty *t = ty_new(a, TY_TUPLE);
	t->count = n;
	t->fields = arena_alloc(a, (n ? n : 1) * sizeof(*t->fields));
	uint32_t off = 0, align = 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t al = elems[i]->align ? elems[i]->align : 1;
		off = align_up(off, al);
		t->fields[i].name = arena_printf(a, "%u", i);
		t->fields[i].offset = off;
		t->fields[i].type = (struct ty *)elems[i];
		off += ty_size(elems[i]);
		if (al > align)
			align = al;
	}
	t->align = align;
	t->size = align_up(off, align);
	return t;
}

struct ty *ty_enum(struct arena *a, unsigned bytes, bool is_signed, const char *name)
{
	struct ty *t = ty_new(a, TY_INT);
	t->size = t->align = bytes;
	t->is_signed = is_signed;
	t->name = name;
	return t;
}

const struct ty *ty_widen(struct arena *a, const struct ty *t)
{
	if (t->kind != TY_INT)
		return t;
	if (!t->nenums)
		return ty_int(8, t->is_signed);
	if (t->size == 8)
		return t;
	struct ty *w = ty_enum(a, 8, t->is_signed, t->name);
	w->enums = t->enums;
	w->nenums = t->nenums;
	return w;
}

const char *ty_enum_name(const struct ty *t, int64_t v)
{
	for (uint32_t i = 0; t && i < t->nenums; i++)
		if (t->enums[i].value == v)
			return t->enums[i].name;
	return NULL;
}

/* The value of one map entry (one CPU's share for per-CPU maps); layouts in
 * common/desc.h. hist/lhist values are one bucket's count. */
struct ty *ty_agg(struct arena *a, enum ty_agg agg, const struct ty *arg)
{
	struct ty *t = ty_new(a, TY_AGG);
	t->agg = agg;
	t->agg_arg = (struct ty *)arg;
	t->is_signed = arg && arg->kind == TY_INT && arg->is_signed;
	switch (agg) {
	case TY_AGG_MIN: case TY_AGG_MAX: case TY_AGG_AVG: case TY_AGG_STATS:
		t->size = 16;
		break;
	case TY_AGG_TSERIES:
		t->size = 24;     /* value, meta (count, set flag or time), epoch */
		break;
	case TY_AGG_NONE: case TY_AGG_COUNT: case TY_AGG_SUM: case TY_AGG_HIST:
	case TY_AGG_LHIST:
		t->size = 8;
		break;
	}
	if (agg == TY_AGG_COUNT || agg == TY_AGG_HIST || agg == TY_AGG_LHIST)
		t->is_signed = false;
	return t;
}

bool ty_is_int(const struct ty *t)
{
	return t->kind == TY_INT || t->kind == TY_BOOL;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool fields_equal(const struct ty *a, const struct ty *b)
{
	if (a->count != b->count || a->size != b->size)
		return false;
	for (uint32_t i = 0; i < a->count; i++) {
		const struct ty_field *fa = &a->fields[i], *fb = &b->fields[i];
		if (fa->offset != fb->offset || fa->bits != fb->bits ||
		    fa->bit_offset != fb->bit_offset || !str_eq(fa->name, fb->name) ||
		    !ty_equal(fa->type, fb->type))
			return false;
	}
	return true;
}

bool ty_equal(const struct ty *a, const struct ty *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TY_NONE: case TY_VOID: case TY_BOOL: case TY_KSYM: case TY_USYM:
	case TY_USERNAME: case TY_INET: case TY_TIMESTAMP: case TY_CGROUP_PATH:
	case TY_MACADDR: case TY_ERRNO: case TY_MAP: case TY__COUNT:
		return true;
	case TY_INT:
		return a->size == b->size && a->is_signed == b->is_signed && a->enums == b->enums;
	case TY_STRING: case TY_BUFFER:
		return a->size == b->size;
	case TY_PTR:
		return ty_equal(a->elem, b->elem);
	case TY_ARRAY:
		return a->count == b->count && ty_equal(a->elem, b->elem);
	case TY_RECORD:
		if (a->btf_id && a->btf_id == b->btf_id)
			return true;
		if (a->is_union != b->is_union || !str_eq(a->name, b->name))
			return false;
		return fields_equal(a, b);
	case TY_TUPLE:
		return fields_equal(a, b);
	case TY_STACK:
		return a->stack_user == b->stack_user && a->stack_mode == b->stack_mode &&
		       a->stack_limit == b->stack_limit;
	case TY_AGG:
		if (a->agg != b->agg || a->is_signed != b->is_signed)
			return false;
		if (a->agg == TY_AGG_HIST)
			return a->hist_bits == b->hist_bits;
		if (a->agg == TY_AGG_LHIST || a->agg == TY_AGG_TSERIES)
			return a->lhist_min == b->lhist_min && a->lhist_max == b->lhist_max &&
			       a->lhist_step == b->lhist_step;
		return true;
	}
	return false;
}

const struct ty_field *ty_field(const struct ty *record, const char *name)
{
	if (!record || (record->kind != TY_RECORD && record->kind != TY_TUPLE))
		return NULL;
	for (uint32_t i = 0; i < record->count; i++)
		if (record->fields[i].name && strcmp(record->fields[i].name, name) == 0)
			return &record->fields[i];
	return NULL;
}

static const char *const agg_names[] = {
	[TY_AGG_NONE] = "none", [TY_AGG_COUNT] = "count", [TY_AGG_SUM] = "sum",
	[TY_AGG_MIN] = "min", [TY_AGG_MAX] = "max", [TY_AGG_AVG] = "avg",
	[TY_AGG_STATS] = "stats", [TY_AGG_HIST] = "hist", [TY_AGG_LHIST] = "lhist", [TY_AGG_TSERIES] = "tseries",
};

/* bpftrace's typestr(): names as users read them in errors. */
static void put_name(FILE *f, const struct ty *t)
{
	if (!t) {
		fputs("none", f);
		return;
	}
	switch (t->kind) {
	case TY_NONE: fputs("none", f); break;
	case TY_VOID: fputs("void", f); break;
	case TY_BOOL: fputs("bool", f); break;
	case TY_INT:
		if (t->nenums && t->name)
			fprintf(f, "enum %s", t->name);
		else
			fprintf(f, "%sint%u", t->is_signed ? "" : "u", 8 * t->size);
		break;
	case TY_STRING: fprintf(f, "string[%u]", t->size); break;
	case TY_BUFFER: fprintf(f, "buffer[%u]", t->size > 4 ? t->size - 4 : 0); break;
	case TY_PTR:
		put_name(f, t->elem);
		fputs(" *", f);
		break;
	case TY_ARRAY:
		put_name(f, t->elem);
		fprintf(f, "[%u]", t->count);
		break;
	case TY_RECORD:
		if (t->name) {
			fprintf(f, "%s %s", t->is_union ? "union" : "struct", t->name);
		} else if (t->btf_id) {
			/* an anonymous C struct: "struct {int32,int32}" */
			fputs(t->is_union ? "union {" : "struct {", f);
			for (uint32_t i = 0; i < t->count; i++) {
				if (i)
					fputc(',', f);
				put_name(f, t->fields[i].type);
			}
			fputc('}', f);
		} else {
			fputs("record { ", f);
			for (uint32_t i = 0; i < t->count; i++) {
				fprintf(f, "%s.%s = ", i ? ", " : "", t->fields[i].name);
				put_name(f, t->fields[i].type);
			}
			fputs(" }", f);
		}
		break;
	case TY_TUPLE:
		fputc('(', f);
		for (uint32_t i = 0; i < t->count; i++) {
			if (i)
				fputc(',', f);
			put_name(f, t->fields[i].type);
		}
		fputc(')', f);
		break;
	case TY_STACK: fputs(t->stack_user ? "ustack" : "kstack", f); break;
	case TY_KSYM: fputs("ksym", f); break;
	case TY_USYM: fputs("usym", f); break;
	case TY_USERNAME: fputs("username", f); break;
	case TY_INET: fputs("inet", f); break;
	case TY_TIMESTAMP: fputs("timestamp", f); break;
	case TY_CGROUP_PATH: fputs("cgroup_path", f); break;
	case TY_MACADDR: fputs("macaddr", f); break;
	case TY_ERRNO: fputs("strerror", f); break;
	case TY_AGG:
		fputs(t->agg <= TY_AGG_TSERIES ? agg_names[t->agg] : "agg", f);
		break;
	case TY_MAP: fputs("map", f); break;
	case TY__COUNT: fputs("?", f); break;
	}
}

const char *ty_name(struct arena *a, const struct ty *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return "?";
	put_name(f, t);
	fclose(f);
	const char *r = arena_strndup(a, buf, len);
	free(buf);
	return r;
}

void ty_print(FILE *out, const struct ty *t)
{
	put_name(out, t);
	if (!t)
		return;
	fprintf(out, " size %u align %u", ty_size(t), t->align);
	if (t->ctx)
		fputs(" ctx", out);
	if (t->as == TY_AS_KERNEL)
		fputs(" kernel", out);
	else if (t->as == TY_AS_USER)
		fputs(" user", out);
	if (t->kind == TY_AGG && t->agg == TY_AGG_HIST)
		fprintf(out, " bits %u", t->hist_bits);
	if (t->kind == TY_AGG && t->agg == TY_AGG_LHIST)
		fprintf(out, " min %lld max %lld step %lld", (long long)t->lhist_min,
			(long long)t->lhist_max, (long long)t->lhist_step);
	if (t->kind == TY_AGG && t->agg == TY_AGG_TSERIES)
		fprintf(out, " interval %lld count %lld fold %lld", (long long)t->lhist_step,
			(long long)t->lhist_max, (long long)t->lhist_min);
	if (t->kind == TY_RECORD || t->kind == TY_TUPLE) {
		fputs(" {", out);
		for (uint32_t i = 0; i < t->count; i++) {
			const struct ty_field *f = &t->fields[i];
			fprintf(out, "%s %s@%u", i ? "," : "", f->name ? f->name : "?", f->offset);
			if (f->bits)
				fprintf(out, ":%u+%u", f->bit_offset, f->bits);
		}
		fputs(" }", out);
	}
}

uint32_t ty_size(const struct ty *t)
{
	return t ? t->size : 0;
}
