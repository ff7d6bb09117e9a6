/* btf_types: kernel types from vmlinux BTF as struct ty, read lazily: a record's fields only when a field is used. */
#include <bpf/btf.h>
#include <string.h>

#include "ast/sema.h"
#include "probes/btf.h"

/* typedef, const, volatile, restrict and tags name a type without changing it. */
static uint32_t skip_modifiers(uint32_t id)
{
	for (int guard = 0; guard < 64 && id; guard++) {
		const struct btf_type *t = rt_btf_type(id);
		if (!t)
			return 0;
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		default:
			return id;
		}
	}
	return id;
}

static bool is_char(uint32_t id)
{
	const struct btf_type *t = rt_btf_type(skip_modifiers(id));
	return t && btf_kind(t) == BTF_KIND_INT && t->size == 1;
}

/* A record stub: its fields are filled by sema_btf_fields on first use, so
 * a pointer to task_struct costs nothing until a field is read. */
static struct ty *record_stub(struct arena *a, uint32_t id, const struct btf_type *t)
{
	struct ty *r = ty_new(a, TY_RECORD);
	const char *name = rt_btf_str(t->name_off);
	r->name = name && *name ? name : NULL;
	r->is_union = btf_kind(t) == BTF_KIND_UNION;
	r->size = btf_kind(t) == BTF_KIND_FWD ? 0 : t->size;
	r->align = 8;
	r->btf_id = id;
	return r;
}

const struct ty *sema_btf_type(struct arena *a, uint32_t id)
{
	id = skip_modifiers(id);
	const struct btf_type *t = id ? rt_btf_type(id) : NULL;
	if (!t)
		return ty_void();
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint8_t enc = btf_int_encoding(t);
		if (enc & BTF_INT_BOOL)
			return ty_bool();
		unsigned size = t->size == 1 || t->size == 2 || t->size == 4 ? t->size : 8;
		return ty_int(size, (enc & BTF_INT_SIGNED) != 0);
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		unsigned size = t->size == 1 || t->size == 2 || t->size == 4 ? t->size : 8;
		return ty_int(size, btf_kflag(t));
	}
	case BTF_KIND_PTR: {
		uint32_t to = skip_modifiers(t->type);
		const struct btf_type *tt = to ? rt_btf_type(to) : NULL;
		if (!tt || btf_kind(tt) == BTF_KIND_FUNC_PROTO)
			return ty_ptr(a, ty_void(), TY_AS_KERNEL);
		return ty_ptr(a, sema_btf_type(a, to), TY_AS_KERNEL);
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *arr = btf_array(t);
		if (is_char(arr->type))
			return ty_string(a, arr->nelems ? arr->nelems : 1);
		return ty_array(a, sema_btf_type(a, arr->type), arr->nelems);
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FWD:
		return record_stub(a, id, t);
	default:
		return ty_void();
	}
}

/* Members of an anonymous struct or union are reached directly by name
 * (task->__state through an unnamed union), as in C and bpftrace. */
static void add_members(struct arena *a, struct ty *rec, uint32_t id, uint32_t base, size_t *cap)
{
	const struct btf_type *t = rt_btf_type(id);
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		uint32_t bit = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const char *name = rt_btf_str(m->name_off);
		uint32_t mid = skip_modifiers(m->type);
		const struct btf_type *mt = rt_btf_type(mid);
		if ((!name || !*name) && mt && (btf_kind(mt) == BTF_KIND_STRUCT || btf_kind(mt) == BTF_KIND_UNION)) {
			add_members(a, rec, mid, base + bit / 8, cap);
			continue;
		}
		rec->fields = arena_grow(a, rec->fields, rec->count, cap, sizeof(*rec->fields));
		rec->fields[rec->count++] = (struct ty_field){
			.name = name, .offset = base + bit / 8, .bit_offset = (uint16_t)(bit % 8),
			.bits = (uint16_t)bits, .type = (struct ty *)sema_btf_type(a, m->type),
		};
	}
}

void sema_btf_fields(struct arena *a, struct ty *rec)
{
	if (rec->kind != TY_RECORD || !rec->btf_id || rec->fields)
		return;
	const struct btf_type *t = rt_btf_type(rec->btf_id);
	if (!t || (btf_kind(t) != BTF_KIND_STRUCT && btf_kind(t) != BTF_KIND_UNION))
		return;
	size_t cap = 0;
	add_members(a, rec, rec->btf_id, 0, &cap);
}

/* A BTF enum as an enum type: its constants print by name. The names
 * point into the mapped BTF, which lives as long as the process. */
struct ty *sema_btf_enum_type(struct arena *a, uint32_t id)
{
	const struct btf_type *t = rt_btf_type(id);
	uint16_t n = btf_vlen(t);
	const char *name = rt_btf_str(t->name_off);
	unsigned size = t->size == 1 || t->size == 2 || t->size == 4 ? t->size : 8;
	struct ty *et = ty_enum(a, size, btf_kflag(t), name && *name ? name : NULL);
	struct ty_enumerator *names = arena_alloc(a, (n + 1u) * sizeof(*names));
	for (uint16_t i = 0; i < n; i++) {
		if (btf_kind(t) == BTF_KIND_ENUM) {
			const struct btf_enum *e = btf_enum(t) + i;
			names[i].name = rt_btf_str(e->name_off);
			names[i].value = btf_kflag(t) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;
			names[i].name = rt_btf_str(e->name_off);
			names[i].value = (int64_t)btf_enum64_value(e);
		}
	}
	et->enums = names;
	et->nenums = n;
	return et;
}

/* A kernel struct used as a whole value (printed, stored, a map key): its
 * fields and those of every struct nested in it by value, so that the
 * printers see them all (print(curtask->se.load) printed {}). */
void sema_btf_complete(struct arena *a, const struct ty *t)
{
	for (int depth = 0; t && depth < 64; depth++) {
		if (t->kind == TY_ARRAY) {
			t = t->elem;
			continue;
		}
		if (t->kind != TY_RECORD && t->kind != TY_TUPLE)
			return;
		if (t->kind == TY_RECORD && t->btf_id) {
			if (t->complete)
				return;   /* done before, nested records with it */
			sema_btf_fields(a, (struct ty *)t);
			((struct ty *)t)->complete = true;
		}
		for (uint32_t i = 0; i < t->count; i++)
			sema_btf_complete(a, t->fields[i].type);
		return;
	}
}

const struct ty *sema_btf_record(struct arena *a, const char *name, bool is_union, struct diag *d)
{
	if (rt_btf_load(d) < 0)
		return NULL;
	int64_t id = rt_btf_find(name, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	if (id <= 0)
		return NULL;
	return sema_btf_type(a, (uint32_t)id);
}

struct ty *sema_btf_args(struct arena *a, const char *func, unsigned first, const char *recname)
{
	if (rt_btf_load(NULL))
		return NULL;
	int64_t id = rt_btf_find(func, BTF_KIND_FUNC);
	const struct btf_type *fn = id > 0 ? rt_btf_type((uint32_t)id) : NULL;
	const struct btf_type *proto = fn ? rt_btf_type(fn->type) : NULL;
	if (!proto || btf_kind(proto) != BTF_KIND_FUNC_PROTO)
		return NULL;
	const struct btf_param *p = btf_params(proto);
	unsigned n = btf_vlen(proto);
	struct ty_field *fields = arena_alloc(a, (n + 1) * sizeof(*fields));
	unsigned k = 0;
	for (unsigned i = first; i < n; i++) {
		const char *name = rt_btf_str(p[i].name_off);
		fields[k] = (struct ty_field){
			.name = *name ? name : arena_printf(a, "arg%u", i - first),
			.offset = (uint32_t)(8 * (i - first)),
			.type = (struct ty *)sema_btf_type(a, p[i].type),
		};
		k++;
	}
	struct ty *t = ty_new(a, TY_RECORD);
	t->name = recname;
	t->fields = fields;
	t->count = k;
	t->size = 8 * k;
	t->align = 8;
	t->ctx = true;
	t->btf_id = 0;
	/* The return type rides after the arguments (fexit reads it there). */
	fields[k] = (struct ty_field){ .name = "$retval", .offset = 8 * k,
				       .type = (struct ty *)sema_btf_type(a, proto->type) };
	return t;
}
