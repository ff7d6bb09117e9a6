/* dwarf_types: user-space types from a binary's DWARF as struct ty: uprobe `args` and struct casts. */
#include <dwarf.h>
#include <errno.h>
#include <string.h>

#include "ast/sema.h"
#include "probes/dwarf.h"

/* The DWARFs opened so far, one per binary, kept for the process's life
 * (a compilation opens a handful; they are reachable, not leaked). Types
 * already converted are remembered by DIE offset, so a self-referencing
 * struct (a list node) converts once. */
struct dw_file {
	char *path;
	struct rt_dwarf *dw;
	struct dw_file *next;
};

struct dw_seen {
	Dwarf_Off off;
	struct ty *t;
};

struct conv {
	struct arena *a;
	struct dw_seen *seen;
	size_t n, cap;
};

static struct dw_file *files;

static struct rt_dwarf *dwarf_of(const char *path)
{
	for (struct dw_file *f = files; f; f = f->next)
		if (!strcmp(f->path, path))
			return f->dw;
	struct dw_file *f = xmalloc(sizeof(*f));
	*f = (struct dw_file){ xstrdup(path), rt_dwarf_open(path), files };
	files = f;
	return f->dw;
}

static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;
	return dwarf_attr_integrate(die, DW_AT_type, &at) && dwarf_formref_die(&at, out);
}

static uint64_t udata(Dwarf_Die *die, int name, uint64_t dflt)
{
	Dwarf_Attribute at;
	Dwarf_Word w;
	return dwarf_attr_integrate(die, name, &at) && !dwarf_formudata(&at, &w) ? w : dflt;
}

static const struct ty *convert(struct conv *c, Dwarf_Die *t, int depth);

static const struct ty *sized_int(uint64_t size, bool is_signed)
{
	return ty_int(size == 1 || size == 2 || size == 4 ? (unsigned)size : 8, is_signed);
}

static bool is_char(Dwarf_Die *t)
{
	Dwarf_Die in;
	for (int i = 0; i < 8; i++) {
		int tag = dwarf_tag(t);
		if (tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type) {
			if (!type_of(t, &in))
				return false;
			*t = in;
			continue;
		}
		return tag == DW_TAG_base_type && udata(t, DW_AT_byte_size, 0) == 1;
	}
	return false;
}

static const struct ty *record(struct conv *c, Dwarf_Die *t, int depth)
{
	Dwarf_Off off = dwarf_dieoffset(t);
	for (size_t i = 0; i < c->n; i++)
		if (c->seen[i].off == off)
			return c->seen[i].t;
	struct ty *r = ty_new(c->a, TY_RECORD);
	const char *name = dwarf_diename(t);
	r->name = name ? arena_strdup(c->a, name) : NULL;
	r->is_union = dwarf_tag(t) == DW_TAG_union_type;
	r->size = (uint32_t)udata(t, DW_AT_byte_size, 0);
	r->align = 8;
	c->seen = arena_grow(c->a, c->seen, c->n, &c->cap, sizeof(*c->seen));
	c->seen[c->n++] = (struct dw_seen){ off, r };
	Dwarf_Die m;
	size_t cap = 0;
	if (dwarf_child(t, &m) == 0) {
		do {
			Dwarf_Die mt;
			const char *mn = dwarf_diename(&m);
			if (dwarf_tag(&m) != DW_TAG_member || !mn || !type_of(&m, &mt))
				continue;
			r->fields = arena_grow(c->a, r->fields, r->count, &cap, sizeof(*r->fields));
			struct ty_field *f = &r->fields[r->count++];
			*f = (struct ty_field){ .name = arena_strdup(c->a, mn),
						.offset = (uint32_t)udata(&m, DW_AT_data_member_location, 0),
						.type = (struct ty *)convert(c, &mt, depth + 1) };
			uint64_t bits = udata(&m, DW_AT_bit_size, 0);
			if (bits) {
				/* DWARF 4+: the bit offset from the start of the struct */
				uint64_t bo = udata(&m, DW_AT_data_bit_offset, 0);
				uint32_t unit = f->type->size ? f->type->size : 4;
				f->offset = (uint32_t)(bo / 8 / unit * unit);
				f->bit_offset = (uint16_t)(bo - 8 * (uint64_t)f->offset);
				f->bits = (uint16_t)bits;
			}
		} while (dwarf_siblingof(&m, &m) == 0);
	}
	return r;
}

/* C types as hawk sees them: char arrays are strings, enums integers,
 * typedefs and qualifiers transparent, pointers to user memory. */
static const struct ty *convert(struct conv *c, Dwarf_Die *t, int depth)
{
	Dwarf_Die in;
	if (depth > 32)
		return ty_int(8, false);
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type: {
		uint64_t enc = udata(t, DW_AT_encoding, DW_ATE_signed);
		if (enc == DW_ATE_boolean)
			return ty_bool();
		return sized_int(udata(t, DW_AT_byte_size, 8),
				 enc == DW_ATE_signed || enc == DW_ATE_signed_char);
	}
	case DW_TAG_enumeration_type:
		return sized_int(udata(t, DW_AT_byte_size, 4), true);
	case DW_TAG_typedef: case DW_TAG_const_type: case DW_TAG_volatile_type:
	case DW_TAG_restrict_type: case DW_TAG_atomic_type:
		return type_of(t, &in) ? convert(c, &in, depth + 1) : ty_void();
	case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
		if (!type_of(t, &in) || dwarf_tag(&in) == DW_TAG_subroutine_type)
			return ty_ptr(c->a, ty_void(), TY_AS_USER);
		return ty_ptr(c->a, convert(c, &in, depth + 1), TY_AS_USER);
	case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
		return record(c, t, depth);
	case DW_TAG_array_type: {
		if (!type_of(t, &in))
			return ty_void();
		Dwarf_Die sub, elem = in;
		uint64_t n = 0;
		if (dwarf_child(t, &sub) == 0 && dwarf_tag(&sub) == DW_TAG_subrange_type)
			n = udata(&sub, DW_AT_count, udata(&sub, DW_AT_upper_bound, (uint64_t)-1) + 1);
		if (is_char(&elem))
			return ty_string(c->a, n ? (uint32_t)n : 1);
		return ty_array(c->a, convert(c, &in, depth + 1), (uint32_t)n);
	}
	default:
		return ty_int(8, false);
	}
}

/* The integer arguments sit in the target's argument registers (common/arch.c). */
struct ty *sema_dwarf_args(struct arena *a, const char *path, const char *func, uint64_t addr,
			   enum arch arch)
{
	const struct arch_info *ai = arch_info(arch);
	struct rt_dwarf *dw = dwarf_of(path);
	Dwarf_Die fn, p;
	if (!dw || rt_dwarf_func(dw, func, addr, &fn) || dwarf_child(&fn, &p) != 0)
		return NULL;
	struct conv c = { .a = a };
	struct ty *r = ty_new(a, TY_RECORD);
	r->name = arena_printf(a, "_uprobe_%s", func);
	r->ctx = true;
	r->align = 8;
	r->size = ai->pt_regs_size;
	size_t cap = 0;
	unsigned i = 0;
	do {
		Dwarf_Die pt;
		if (dwarf_tag(&p) != DW_TAG_formal_parameter)
			continue;
		const char *name = dwarf_diename(&p);
		const struct ty *t = type_of(&p, &pt) ? convert(&c, &pt, 0) : ty_int(8, false);
		/* Past the register arguments, or a struct passed by value: on the stack,
		 * or split over registers; not offered. */
		if (i < ai->nargs && name && t->kind != TY_RECORD && t->kind != TY_ARRAY && t->kind != TY_STRING) {
			r->fields = arena_grow(a, r->fields, r->count, &cap, sizeof(*r->fields));
			r->fields[r->count++] = (struct ty_field){ .name = arena_strdup(a, name),
								   .offset = ai->arg_regs[i], .type = (struct ty *)t };
		}
		i++;
	} while (dwarf_siblingof(&p, &p) == 0);
	return r;
}

const struct ty *sema_dwarf_record(struct arena *a, const char *path, const char *name, bool is_union)
{
	struct rt_dwarf *dw = dwarf_of(path);
	Dwarf_Die die;
	if (!dw || rt_dwarf_record(dw, name, is_union, &die))
		return NULL;
	struct conv c = { .a = a };
	return record(&c, &die, 0);
}

long sema_dwarf_line(const char *path, const char *file, uint32_t line, uint32_t col,
		     uint64_t *addrs, size_t max)
{
	struct rt_dwarf *dw = dwarf_of(path);
	return dw ? rt_dwarf_line_addrs(dw, file, line, col, addrs, max) : -ENODATA;
}
