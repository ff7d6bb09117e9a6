/* dwarf: index a binary's functions with libdw and spell their parameters' types. */
#include "probes/dwarf.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "probes/binary.h"
#include "probes/dwp.h"

/* A DIE by its offset in the Dwarf holding it: the main file, or a split
 * unit's .dwo (-gsplit-dwarf), which libdw opens on its own. */
struct fn_slot {
	const char *name;       /* in .debug_str, alive while dw is */
	Dwarf_Off off;
	Dwarf *dw;
};

struct addr_slot {
	uint64_t addr;          /* 0: empty */
	Dwarf_Off off;
	Dwarf *dw;
};

struct rt_dwarf {
	struct rt_elf elf;      /* the file holding the DWARF */
	Dwarf *dw;
	struct fn_slot *slot;   /* definitions by name */
	size_t mask, n;
	struct addr_slot *aslot; /* and by entry address, for aliases */
	size_t amask, an;
	bool indexed;
	struct { const char *rel; char *abs; } *paths;  /* source files made absolute */
	size_t npaths, cappaths;
	char *dwp_at[2];        /* where a DWARF package may be: beside the binary, its debug file */
	struct rt_dwp *dwp;     /* the one found, opened on the first unit libdw could not */
	bool dwp_tried;
};

static bool has_debug_info(Elf *elf)
{
	return rt_elf_section(elf, ".debug_info") != NULL;
}

static char *with_dwp(const char *path)
{
	size_t n = strlen(path) + sizeof(".dwp");
	char *s = xmalloc(n);
	snprintf(s, n, "%s.dwp", path);
	return s;
}

struct rt_dwarf *rt_dwarf_open(const char *path)
{
	struct rt_elf e;
	if (rt_elf_open(path, &e))
		return NULL;
	char *dbg = NULL;
	if (!has_debug_info(e.elf)) {
		dbg = rt_bin_debug_file(e.elf, path);
		rt_elf_close(&e);
		int err = dbg ? rt_elf_open(dbg, &e) : -ENOENT;
		if (!err && !has_debug_info(e.elf)) {
			rt_elf_close(&e);
			err = -ENOENT;
		}
		if (err) {
			free(dbg);
			return NULL;
		}
	}
	Dwarf *dw = dwarf_begin_elf(e.elf, DWARF_C_READ, NULL);
	if (!dw) {
		free(dbg);
		rt_elf_close(&e);
		return NULL;
	}
	struct rt_dwarf *d = xcalloc(1, sizeof(*d));
	d->elf = e;
	d->dw = dw;
	d->dwp_at[0] = with_dwp(path);
	d->dwp_at[1] = dbg ? with_dwp(dbg) : NULL;
	free(dbg);
	return d;
}

void rt_dwarf_free(struct rt_dwarf *dw)
{
	if (!dw)
		return;
	dwarf_end(dw->dw);
	rt_elf_close(&dw->elf);
	free(dw->slot);
	free(dw->aslot);
	for (size_t i = 0; i < dw->npaths; i++)
		free(dw->paths[i].abs);
	free(dw->paths);
	free(dw->dwp_at[0]);
	free(dw->dwp_at[1]);
	rt_dwp_free(dw->dwp);
	free(dw);
}

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void insert(struct rt_dwarf *d, const char *name, Dwarf_Off off, Dwarf *dw)
{
	if ((d->n + 1) * 2 > d->mask + 1) {
		size_t cap = d->mask ? (d->mask + 1) * 2 : 4096;
		struct fn_slot *old = d->slot;
		size_t oldcap = d->mask ? d->mask + 1 : 0;
		d->slot = xcalloc(cap, sizeof(*d->slot));
		d->mask = cap - 1;
		d->n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].name)
				insert(d, old[i].name, old[i].off, old[i].dw);
		free(old);
	}
	size_t i = hash_str(name) & d->mask;
	while (d->slot[i].name) {
		if (!strcmp(d->slot[i].name, name))
			return;  /* first definition wins (static functions repeat) */
		i = (i + 1) & d->mask;
	}
	d->slot[i] = (struct fn_slot){ name, off, dw };
	d->n++;
}

static void insert_addr(struct rt_dwarf *d, uint64_t addr, Dwarf_Off off, Dwarf *dw)
{
	if ((d->an + 1) * 2 > d->amask + 1) {
		size_t cap = d->amask ? (d->amask + 1) * 2 : 4096;
		struct addr_slot *old = d->aslot;
		size_t oldcap = d->amask ? d->amask + 1 : 0;
		d->aslot = xcalloc(cap, sizeof(*d->aslot));
		d->amask = cap - 1;
		d->an = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].addr)
				insert_addr(d, old[i].addr, old[i].off, old[i].dw);
		free(old);
	}
	size_t i = (size_t)(addr * 0x9e3779b97f4a7c15ull >> 20) & d->amask;
	while (d->aslot[i].addr) {
		if (d->aslot[i].addr == addr)
			return;
		i = (i + 1) & d->amask;
	}
	d->aslot[i] = (struct addr_slot){ addr, off, dw };
	d->an++;
}

/* Definitions only: a declaration or an abstract inline origin has no code
 * for a uprobe (its out-of-line copy has low_pc and is indexed instead). */
static int index_func(Dwarf_Die *fn, void *arg)
{
	struct rt_dwarf *d = arg;
	Dwarf_Addr lo;
	bool has_lo = dwarf_lowpc(fn, &lo) == 0;
	/* a unit from a DWARF package has low_pc, which only its skeleton
	 * could turn into an address */
	if (!has_lo && !dwarf_hasattr(fn, DW_AT_low_pc) && !dwarf_hasattr(fn, DW_AT_ranges) &&
	    !dwarf_hasattr(fn, DW_AT_entry_pc))
		return DWARF_CB_OK;
	const char *name = dwarf_diename(fn);
	Dwarf *dw = dwarf_cu_getdwarf(fn->cu);
	if (name)
		insert(d, name, dwarf_dieoffset(fn), dw ? dw : d->dw);
	if (has_lo && lo)
		insert_addr(d, lo, dwarf_dieoffset(fn), dw ? dw : d->dw);
	return DWARF_CB_OK;
}

/* The split unit of a skeleton that libdw found no .dwo for: from the
 * program's DWARF package (PROGRAM.dwp, gdb's and lldb's convention). */
static Dwarf *packaged_unit(struct rt_dwarf *d, Dwarf_CU *cu)
{
	uint64_t id;
	if (dwarf_cu_info(cu, NULL, NULL, NULL, NULL, &id, NULL, NULL))
		return NULL;
	if (!d->dwp_tried) {
		d->dwp_tried = true;
		for (int i = 0; i < 2 && !d->dwp; i++)
			if (d->dwp_at[i])
				d->dwp = rt_dwp_open(d->dwp_at[i]);
	}
	return rt_dwp_unit(d->dwp, id);
}

/* fn(cu die) for each unit that holds code and types: a skeleton's split
 * unit in its place, whether from a .dwo or a package. Stops when fn
 * returns true. */
static bool each_unit(struct rt_dwarf *d, bool (*fn)(Dwarf_Die *cu, void *arg), void *arg)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, subdie;
	uint8_t unit_type;
	while (!dwarf_get_units(d->dw, cu, &cu, NULL, &unit_type, &cudie, &subdie)) {
		if (unit_type == DW_UT_compile || unit_type == DW_UT_partial) {
			if (fn(&cudie, arg))
				return true;
			continue;
		}
		if (unit_type != DW_UT_skeleton)
			continue;
		if (subdie.cu) {
			if (fn(&subdie, arg))
				return true;
			continue;
		}
		Dwarf *pk = packaged_unit(d, cu);
		Dwarf_CU *pcu = NULL;
		uint8_t pt;
		while (pk && !dwarf_get_units(pk, pcu, &pcu, NULL, &pt, &cudie, NULL))
			if ((pt == DW_UT_split_compile || pt == DW_UT_compile) && fn(&cudie, arg))
				return true;
	}
	return false;
}

static bool index_unit(Dwarf_Die *cu, void *arg)
{
	dwarf_getfuncs(cu, index_func, arg, 0);
	return false;
}

static void build_index(struct rt_dwarf *d)
{
	d->indexed = true;
	each_unit(d, index_unit, d);
}

/* Type spelling, written into a small string builder. */
struct sb {
	char buf[512];
	size_t n;
};

static void sb_put(struct sb *b, const char *s)
{
	size_t l = strlen(s);
	if (b->n + l >= sizeof(b->buf))
		l = sizeof(b->buf) - 1 - b->n;
	memcpy(b->buf + b->n, s, l);
	b->n += l;
	b->buf[b->n] = '\0';
}

static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

static void spell(Dwarf_Die *t, struct sb *b, int depth);

static void spell_params(Dwarf_Die *fn, struct sb *b, int depth)
{
	Dwarf_Die c;
	bool first = true;
	sb_put(b, "(");
	if (dwarf_child(fn, &c) == 0) {
		do {
			int tag = dwarf_tag(&c);
			if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters)
				continue;
			if (!first)
				sb_put(b, ", ");
			first = false;
			Dwarf_Die pt;
			if (tag == DW_TAG_unspecified_parameters)
				sb_put(b, "...");
			else
				spell(type_of(&c, &pt) ? &pt : NULL, b, depth + 1);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	sb_put(b, ")");
}

/* The spelling lldb (and so bpftrace) gives: "const char*", "struct Foo*",
 * "char* const", "void (*)(int)". NULL is void. */
static void spell(Dwarf_Die *t, struct sb *b, int depth)
{
	if (!t) {
		sb_put(b, "void");
		return;
	}
	if (depth > 16) {
		sb_put(b, "?");
		return;
	}
	Dwarf_Die inner, *in = type_of(t, &inner) ? &inner : NULL;
	const char *name = dwarf_diename(t);
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
	case DW_TAG_class_type:
		sb_put(b, name ? name : "?");
		break;
	case DW_TAG_structure_type:
		sb_put(b, "struct ");
		sb_put(b, name ? name : "(unnamed struct)");
		break;
	case DW_TAG_union_type:
		sb_put(b, "union ");
		sb_put(b, name ? name : "(unnamed union)");
		break;
	case DW_TAG_enumeration_type:
		sb_put(b, "enum ");
		sb_put(b, name ? name : "(unnamed enum)");
		break;
	case DW_TAG_pointer_type:
		if (in && dwarf_tag(in) == DW_TAG_subroutine_type) {
			Dwarf_Die ret;
			spell(type_of(in, &ret) ? &ret : NULL, b, depth + 1);
			sb_put(b, " (*)");
			spell_params(in, b, depth);
		} else {
			spell(in, b, depth + 1);
			sb_put(b, "*");
		}
		break;
	case DW_TAG_reference_type:
		spell(in, b, depth + 1);
		sb_put(b, "&");
		break;
	case DW_TAG_rvalue_reference_type:
		spell(in, b, depth + 1);
		sb_put(b, "&&");
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type: {
		const char *q = dwarf_tag(t) == DW_TAG_const_type ? "const"
			      : dwarf_tag(t) == DW_TAG_volatile_type ? "volatile" : "restrict";
		if (in && dwarf_tag(in) == DW_TAG_pointer_type) {
			spell(in, b, depth + 1);
			sb_put(b, " ");
			sb_put(b, q);
		} else {
			sb_put(b, q);
			sb_put(b, " ");
			spell(in, b, depth + 1);
		}
		break;
	}
	case DW_TAG_array_type: {
		spell(in, b, depth + 1);
		Dwarf_Die sub;
		if (dwarf_child(t, &sub) == 0) {
			do {
				Dwarf_Word n;
				Dwarf_Attribute a;
				char dim[32];
				if (dwarf_tag(&sub) != DW_TAG_subrange_type)
					continue;
				if (dwarf_attr(&sub, DW_AT_count, &a) && !dwarf_formudata(&a, &n))
					snprintf(dim, sizeof(dim), "[%llu]", (unsigned long long)n);
				else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) &&
					 !dwarf_formudata(&a, &n))
					snprintf(dim, sizeof(dim), "[%llu]", (unsigned long long)n + 1);
				else
					snprintf(dim, sizeof(dim), "[]");
				sb_put(b, dim);
			} while (dwarf_siblingof(&sub, &sub) == 0);
		}
		break;
	}
	case DW_TAG_subroutine_type: {
		Dwarf_Die ret;
		spell(type_of(t, &ret) ? &ret : NULL, b, depth + 1);
		sb_put(b, " ");
		spell_params(t, b, depth);
		break;
	}
	default:
		sb_put(b, name ? name : "?");
		break;
	}
}

static void params_of(Dwarf_Die *fn, void (*cb)(const char *, const char *, void *), void *arg)
{
	Dwarf_Die c;
	if (dwarf_child(fn, &c) != 0)
		return;
	do {
		if (dwarf_tag(&c) != DW_TAG_formal_parameter)
			continue;
		Dwarf_Die t;
		struct sb b = { .n = 0 };
		b.buf[0] = '\0';
		spell(type_of(&c, &t) ? &t : NULL, &b, 0);
		const char *name = dwarf_diename(&c);
		cb(b.buf, name ? name : "", arg);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* The DIE of func's definition (or of the function at addr), into *out. */
static bool find(struct rt_dwarf *d, const char *func, uint64_t addr, Dwarf_Die *out)
{
	for (size_t i = hash_str(func) & d->mask; d->slot && d->slot[i].name;
	     i = (i + 1) & d->mask)
		if (!strcmp(d->slot[i].name, func))
			return dwarf_offdie(d->slot[i].dw, d->slot[i].off, out) != NULL;
	/* An alias (malloc for __libc_malloc) is found by where it points. */
	for (size_t i = (size_t)(addr * 0x9e3779b97f4a7c15ull >> 20) & d->amask;
	     addr && d->aslot && d->aslot[i].addr; i = (i + 1) & d->amask)
		if (d->aslot[i].addr == addr)
			return dwarf_offdie(d->aslot[i].dw, d->aslot[i].off, out) != NULL;
	return false;
}

int rt_dwarf_params(struct rt_dwarf *d, const char *func, uint64_t addr,
		    void (*fn)(const char *type, const char *name, void *arg), void *arg)
{
	if (!d->indexed)
		build_index(d);
	Dwarf_Die die;
	if (!find(d, func, addr, &die))
		return -ENOENT;
	/* An out-of-line copy of an inline or IPA-cloned function lists only
	 * the parameters it kept, in its own order: the abstract origin has
	 * them as declared. */
	Dwarf_Attribute a;
	Dwarf_Die origin;
	if (dwarf_attr(&die, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &origin))
		params_of(&origin, fn, arg);
	else
		params_of(&die, fn, arg);
	return 0;
}

int rt_dwarf_func(struct rt_dwarf *d, const char *func, uint64_t addr, Dwarf_Die *out)
{
	if (!d->indexed)
		build_index(d);
	if (!find(d, func, addr, out))
		return -ENOENT;
	Dwarf_Attribute a;
	Dwarf_Die origin;
	if (dwarf_attr(out, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, &origin))
		*out = origin;
	return 0;
}

struct record_find {
	const char *name;
	bool is_union;
	Dwarf_Die *out;
};

static bool record_in_unit(Dwarf_Die *cu, void *arg)
{
	struct record_find *f = arg;
	int want = f->is_union ? DW_TAG_union_type : DW_TAG_structure_type;
	Dwarf_Die c;
	if (dwarf_child(cu, &c) != 0)
		return false;
	do {
		int tag = dwarf_tag(&c);
		const char *n = dwarf_diename(&c);
		if ((tag == want || (!f->is_union && tag == DW_TAG_class_type)) && n &&
		    !strcmp(n, f->name) && !dwarf_hasattr(&c, DW_AT_declaration)) {
			*f->out = c;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

/* A walk of every compilation unit's top-level DIEs: types are declared
 * there in C (C++ namespaces are not searched). */
int rt_dwarf_record(struct rt_dwarf *d, const char *name, bool is_union, Dwarf_Die *out)
{
	struct record_find f = { name, is_union, out };
	return each_unit(d, record_in_unit, &f) ? 0 : -ENOENT;
}

static int addr_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

long rt_dwarf_line_addrs(struct rt_dwarf *d, const char *file, uint32_t line, uint32_t col,
			 uint64_t *addrs, size_t max)
{
	Dwarf_Line **lines = NULL;
	size_t n = 0;
	if (dwarf_getsrc_file(d->dw, file, (int)line, (int)col, &lines, &n) != 0 || !n) {
		free(lines);
		return -ENOENT;
	}
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		Dwarf_Addr a;
		int ln = 0;
		bool stmt = false;
		if (dwarf_lineaddr(lines[i], &a) || dwarf_lineno(lines[i], &ln) || (uint32_t)ln != line ||
		    dwarf_linebeginstatement(lines[i], &stmt) || !stmt)
			continue;
		addrs[k++] = a;
	}
	free(lines);
	qsort(addrs, k, sizeof(*addrs), addr_cmp);
	size_t w = 0;
	for (size_t i = 0; i < k; i++)
		if (!w || addrs[i] != addrs[w - 1])
			addrs[w++] = addrs[i];
	return (long)w;
}

/* A DIE's name, through its abstract origin for an inlined copy. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &at));
}

/* A source file as the line table names it, under the unit's compilation
 * directory when relative (each made once, kept with dw). */
static const char *abs_path(struct rt_dwarf *d, Dwarf_Die *cu, const char *file)
{
	Dwarf_Attribute at;
	const char *dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at));
	if (!file || file[0] == '/' || !dir)
		return file;
	for (size_t i = 0; i < d->npaths; i++)
		if (d->paths[i].rel == file)
			return d->paths[i].abs;
	if (d->npaths == d->cappaths) {
		d->cappaths = d->cappaths ? 2 * d->cappaths : 16;
		d->paths = xrealloc(d->paths, d->cappaths * sizeof(*d->paths));
	}
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", dir, file);
	d->paths[d->npaths].rel = file;
	d->paths[d->npaths++].abs = p;
	return p;
}

int rt_dwarf_src_frames(struct rt_dwarf *d, uint64_t va, struct rt_src_frame *out, int max)
{
	Dwarf_Die cu;
	if (!d || !dwarf_addrdie(d->dw, va, &cu))
		return 0;
	const char *file = NULL;
	int line = 0;
	Dwarf_Line *l = dwarf_getsrc_die(&cu, va);
	if (l) {
		file = dwarf_linesrc(l, NULL, NULL);
		dwarf_lineno(l, &line);
	}
	/* a skeleton unit's functions are in its split unit (-gsplit-dwarf);
	 * one from a DWARF package cannot place addresses (dwp.h), and only
	 * the line table speaks for it */
	Dwarf_Die scu = cu, sub;
	uint8_t ut;
	if (!dwarf_cu_info(cu.cu, NULL, &ut, NULL, &sub, NULL, NULL, NULL) && ut == DW_UT_skeleton &&
	    sub.cu)
		scu = sub;
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	if (dwarf_getsrcfiles(&scu, &files, &nfiles))
		files = NULL;
	Dwarf_Die *scopes = NULL;
	int ns = dwarf_getscopes(&scu, va, &scopes), n = 0;
	if (ns > 0) {
		/* past an inlined copy dwarf_getscopes goes on through the
		 * inlined function's own definition; the chain of what holds the
		 * code where it is comes from the innermost scope */
		Dwarf_Die inner = scopes[0];
		free(scopes);
		scopes = NULL;
		ns = dwarf_getscopes_die(&inner, &scopes);
	}
	for (int i = 0; i < ns && n < max; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		out[n++] = (struct rt_src_frame){ die_name(&scopes[i]), abs_path(d, &cu, file), line > 0 ? (uint32_t)line : 0,
						  tag == DW_TAG_inlined_subroutine };
		if (tag == DW_TAG_subprogram)
			break;
		/* the caller is where this copy was inlined */
		Dwarf_Attribute at;
		Dwarf_Word w;
		file = NULL;
		line = 0;
		if (files && !dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &at), &w) && w < nfiles)
			file = dwarf_filesrc(files, w, NULL, NULL);
		if (!dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &at), &w))
			line = (int)w;
	}
	free(scopes);
	if (!n && file && max > 0)
		out[n++] = (struct rt_src_frame){ NULL, abs_path(d, &cu, file), line > 0 ? (uint32_t)line : 0, false };
	return n;
}
