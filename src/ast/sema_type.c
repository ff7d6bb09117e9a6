/* sema_type: written types (casts, let, sizeof) resolved to struct ty. */
#include <string.h>

#include <bpf/btf.h>

#include "ast/cdefs.h"
#include "ast/sema_impl.h"
#include "probes/btf.h"

static const struct {
	const char *name;
	unsigned size;
	bool is_signed;
} int_names[] = {
	{ "int8", 1, true }, { "int16", 2, true }, { "int32", 4, true }, { "int64", 8, true },
	{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false }, { "uint64", 8, false },
	/* common kernel typedefs, accepted without BTF */
	{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
	{ "uint8_t", 1, false }, { "uint16_t", 2, false }, { "uint32_t", 4, false }, { "uint64_t", 8, false },
	{ "int8_t", 1, true }, { "int16_t", 2, true }, { "int32_t", 4, true }, { "int64_t", 8, true },
	{ "pid_t", 4, true }, { "uid_t", 4, false }, { "gid_t", 4, false }, { "size_t", 8, false },
	{ "ssize_t", 8, true }, { "char", 1, true }, { "short", 2, true }, { "int", 4, true },
	{ "long", 8, true },
};

static const struct ty *type_or_value(struct checker *c, struct ast *a);

const struct ty *sema_typespec(struct checker *c, struct ast *t)
{
	const struct ty *base = NULL;
	switch (t->tspec.kind) {
	case AST_TY_NAMED:
		for (size_t i = 0; i < sizeof int_names / sizeof int_names[0]; i++)
			if (!strcmp(int_names[i].name, t->tspec.name))
				base = ty_int(int_names[i].size, int_names[i].is_signed);
		if (!strcmp(t->tspec.name, "bool"))
			base = ty_bool();
		else if (!strcmp(t->tspec.name, "void"))
			base = ty_void();
		else if (!strcmp(t->tspec.name, "string")) {
			if (t->tspec.array > 0 && !t->tspec.ptr)
				return ty_string(c->a, (uint32_t)t->tspec.array);
			base = ty_string(c->a, c->s->max_strlen);
		}
		if (!base)
			base = cdefs_typedef(c->ctx->cdefs, t->tspec.name);
		if (!base) {
			sema_err(c, t->span, "Unknown type: '%s'", t->tspec.name);
			return ty_none();
		}
		break;
	case AST_TY_TYPEOF:
		base = type_or_value(c, t->tspec.of);
		if (sema_poisoned(base))
			return ty_none();
		break;
	case AST_TY_STRUCT:
	case AST_TY_UNION:
		/* The script's and its headers' definitions, then in a uprobe the
		 * binary's DWARF (as bpftrace), else vmlinux BTF's. */
		base = NULL;
		if ((c->ptype == PROBE_UPROBE || c->ptype == PROBE_URETPROBE) && c->exp && c->exp->target) {
			struct cdefs_entry *e = cdefs_find(c->ctx->cdefs, t->tspec.name,
							   t->tspec.kind == AST_TY_UNION ? CDEFS_UNION : CDEFS_STRUCT);
			if (!e || !e->defined)
				base = sema_dwarf_record(c->a, c->exp->target, t->tspec.name,
							 t->tspec.kind == AST_TY_UNION);
		}
		if (!base)
			base = cdefs_record(c->ctx->cdefs, t->tspec.name, t->tspec.kind == AST_TY_UNION);
		if (!base) {
			sema_err(c, t->span, "Unknown %s: %s (defined neither in the script nor in the kernel's BTF)",
				 t->tspec.kind == AST_TY_STRUCT ? "struct" : "union", t->tspec.name);
			return ty_none();
		}
		if (!t->tspec.ptr && !base->btf_id && !base->size && !base->count) {
			/* declared, never defined (or a header's definition hawk could
			 * not read): only a pointer to it is usable */
			sema_err(c, t->span, "%s %s is incomplete: declared, but not defined (or its definition could not be read)",
				 t->tspec.kind == AST_TY_STRUCT ? "struct" : "union", t->tspec.name);
			return ty_none();
		}
		break;
	case AST_TY_ENUM:
		base = cdefs_enum(c->ctx->cdefs, t->tspec.name);
		if (!base) {
			sema_err(c, t->span, "Unknown enum: %s (defined neither in the script nor in the kernel's BTF)",
				 t->tspec.name);
			return ty_none();
		}
		break;
	}
	const struct ty *r = base;
	for (uint32_t i = 0; i < t->tspec.ptr; i++)
		r = ty_ptr(c->a, r, TY_AS_NONE);
	if (t->tspec.array >= 0 && !(r->kind == TY_STRING)) {
		if (t->tspec.array == 0) {
			sema_err(c, t->span, "an array type needs a length here");
			return ty_none();
		}
		r = ty_array(c->a, r, (uint32_t)t->tspec.array);
	}
	return r;
}

const struct ty *sema_cast(struct checker *c, struct ast *n)
{
	struct ast *ts = n->cast.type;
	const struct ty *to, *from;
	if (ts->kind == AST_TYPE && ts->tspec.array == 0 && !ts->tspec.ptr) {
		/* (int8[])x: as many elements as x's bytes make (current bpftrace) */
		ts->tspec.array = -1;
		const struct ty *elem = sema_typespec(c, ts);
		ts->tspec.array = 0;
		from = sema_expr(c, n->cast.e);
		if (sema_poisoned(elem) || sema_poisoned(from))
			return ty_none();
		uint32_t es = ty_size(elem), fs = from->kind == TY_INT ? 8 : ty_size(from);
		if (!es || fs % es || (elem->kind != TY_INT && elem->kind != TY_BOOL)) {
			sema_err(c, n->span, "Cannot cast from '%s' to an array of '%s'", sema_tname(c, from),
				 sema_tname(c, elem));
			return ty_none();
		}
		to = ty_array(c->a, elem, fs / es);
	} else {
		to = sema_typespec(c, n->cast.type);
		from = sema_expr(c, n->cast.e);
	}
	if (sema_poisoned(to) || sema_poisoned(from))
		return ty_none();
	n->cast.type->type = (void *)to;
	bool from_scalar = ty_is_int(from) || from->kind == TY_PTR;
	if ((to->kind == TY_INT || to->kind == TY_BOOL) && from_scalar)
		return to;
	if (to->kind == TY_PTR && from_scalar)
		return to;
	/* an integer's bytes as an array: of its own size ((bool[2])(uint16)1), or of 8 */
	if (to->kind == TY_ARRAY && ty_is_int(from) && (to->size == 8 || to->size == ty_size(from)))
		return to;
	if (to->kind == TY_ARRAY && (from->kind == TY_ARRAY || from->kind == TY_STRING) && to->size == from->size)
		return to;
	if (to->kind == TY_INT && from->kind == TY_ARRAY && to->size == from->size)
		return to;
	sema_err(c, n->span, "Cannot cast from '%s' to '%s'", sema_tname(c, from), sema_tname(c, to));
	return ty_none();
}

/* Does `name` name a type (rather than a constant)? */
static bool type_name(struct checker *c, const char *name)
{
	for (size_t i = 0; i < sizeof int_names / sizeof int_names[0]; i++)
		if (!strcmp(int_names[i].name, name))
			return true;
	if (!strcmp(name, "bool") || !strcmp(name, "void") || !strcmp(name, "string"))
		return true;
	int64_t v;
	const char *s;
	uint32_t len;
	if (cdefs_ident(c->ctx->cdefs, name, &v, &s, &len) != 0)
		return false;
	return true;   /* a typedef, or unknown: the type's error says so */
}

/* offsetof(type, a.b.c): folded to the byte offset of the field. */
const struct ty *sema_offsetof(struct checker *c, struct ast *n)
{
	const struct ty *t = sema_typespec(c, n->offsetof_.type);
	if (sema_poisoned(t))
		return ty_none();
	uint64_t off = 0;
	const char *path = n->offsetof_.field;
	while (*path) {
		size_t k = strcspn(path, ".");
		const char *name = arena_strndup(c->a, path, k);
		if (t->kind != TY_RECORD) {
			sema_err(c, n->span, "offsetof: '%s' is not a struct or union", sema_tname(c, t));
			return ty_none();
		}
		if (t->btf_id)
			sema_btf_fields(c->a, (struct ty *)t);
		const struct ty_field *f = ty_field(t, name);
		if (!f) {
			sema_err(c, n->span, "'%s' has no field named '%s'", sema_tname(c, t), name);
			return ty_none();
		}
		off += f->offset;
		t = f->type;
		path += k;
		if (*path == '.')
			path++;
	}
	n->kind = AST_INT;
	n->num.value = off;
	n->num.form = AST_INT_DEC;
	n->num.text = NULL;
	return ty_int(8, false);
}

/* The operand of sizeof(...) and typeof(...): a written type, a bare name
 * that is a type (size_t, a script's or BTF's typedef), else a value. */
static const struct ty *type_or_value(struct checker *c, struct ast *a)
{
	if (a->kind == AST_TYPE)
		return sema_typespec(c, a);
	if (a->kind == AST_IDENT && !type_name(c, a->ident.name))
		return sema_expr(c, a);   /* sizeof(ENUM_CONSTANT), sizeof(MACRO) */
	if (a->kind == AST_IDENT) {
		struct ast ty = { .kind = AST_TYPE, .span = a->span };
		ty.tspec.kind = AST_TY_NAMED;
		ty.tspec.name = a->ident.name;
		ty.tspec.array = -1;
		return sema_typespec(c, &ty);
	}
	return sema_expr(c, a);
}

const struct ty *sema_sizeof(struct checker *c, struct ast *n)
{
	struct ast *a = n->sizeof_.arg;
	const struct ty *t = type_or_value(c, a);
	if (sema_poisoned(t))
		return ty_none();
	/* The size is a constant, folded now. */
	n->sizeof_.arg->type = (void *)t;
	return ty_int(8, false);
}
