/* cg_core: kernel struct fields as CO-RE relocations: libbpf fixes each offset for the kernel the program loads on. */
#include <stdio.h>
#include <string.h>

#include "codegen/cg_impl.h"

/* A field of a record that came from the kernel's BTF is reached through
 * llvm.preserve.struct.access.index with the record's debug type attached:
 * the BPF backend turns that into a field relocation in .BTF.ext (the
 * record's name, the member's name), and libbpf rewrites the offset against
 * the running kernel's BTF at load. An artifact compiled on one kernel then
 * reads the right bytes on another, and so does one compiled against a BTF
 * file (BPFTRACE_BTF) that is not this kernel's.
 *
 * The debug type is a record of one member, the field, at its offset, with
 * the record's name and size: libbpf matches local and kernel types by name
 * (flattened anonymous members are found inside the kernel's anonymous
 * ones), and one member keeps the program's BTF valid whatever the order of
 * the fields read (the kernel wants a struct's members in offset order). */

/* The member's debug type: kinds as libbpf's field compatibility checks
 * them (an integer, a pointer, an array of the element, any record). */
static LLVMMetadataRef di_of(struct cg *c, const struct ty *t, unsigned depth)
{
	if (t->kind == TY_PTR)
		return c->di_ptr;
	if (t->kind == TY_ARRAY || t->kind == TY_STRING) {
		const struct ty *e = t->kind == TY_STRING ? ty_int(1, true) : t->elem;
		uint32_t n = t->kind == TY_STRING ? t->size : t->count;
		LLVMMetadataRef el = depth < 4 && e ? di_of(c, e, depth + 1) : di_of(c, ty_int(1, false), 0);
		uint32_t es = e ? ty_size(e) : 1;
		LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(c->di, 0, n);
		return LLVMDIBuilderCreateArrayType(c->di, (uint64_t)n * es * 8, 8, el, &sub, 1);
	}
	if (t->kind == TY_RECORD) {
		const char *nm = t->name ? t->name : "";
		return t->is_union
			? LLVMDIBuilderCreateUnionType(c->di, c->dicu, nm, strlen(nm), c->difile, 0,
						       (uint64_t)t->size * 8, 8, 0, NULL, 0, 0, "", 0)
			: LLVMDIBuilderCreateStructType(c->di, c->dicu, nm, strlen(nm), c->difile, 0,
							(uint64_t)t->size * 8, 8, 0, NULL, NULL, 0, 0,
							NULL, "", 0);
	}
	uint32_t size = ty_size(t) ? ty_size(t) : 1;
	if (t->nenums) {
		const char *nm = t->name ? t->name : "";
		return LLVMDIBuilderCreateEnumerationType(c->di, c->dicu, nm, strlen(nm), c->difile,
							  0, (uint64_t)size * 8, 8, NULL, 0,
							  di_of(c, ty_int(size, t->is_signed), 0));
	}
	char nm[16];
	snprintf(nm, sizeof(nm), "%s%u", t->is_signed ? "s" : "u", size * 8);
	return LLVMDIBuilderCreateBasicType(c->di, nm, strlen(nm), (uint64_t)size * 8,
					    t->is_signed ? 5 /* DW_ATE_signed */ : 7 /* unsigned */, 0);
}

/* The one-member debug record for field f of rec, made once per field. */
static LLVMMetadataRef di_field_record(struct cg *c, const struct ty *rec, const struct ty_field *f)
{
	for (size_t i = 0; i < c->ncore; i++)
		if (c->core[i].rec == rec && c->core[i].f == f)
			return c->core[i].di;
	LLVMMetadataRef mt = LLVMDIBuilderCreateMemberType(c->di, c->dicu, f->name, strlen(f->name),
							   c->difile, 0, (uint64_t)ty_size(f->type) * 8, 8,
							   (uint64_t)f->offset * 8, 0, di_of(c, f->type, 0));
	LLVMMetadataRef st = LLVMDIBuilderCreateStructType(c->di, c->dicu, rec->name, strlen(rec->name),
							   c->difile, 0, (uint64_t)rec->size * 8, 8, 0,
							   NULL, &mt, 1, 0, NULL, "", 0);
	if (c->ncore == c->capcore) {
		c->capcore = c->capcore ? c->capcore * 2 : 16;
		struct cg_core_field *n = arena_alloc(c->a, c->capcore * sizeof(*n));
		if (c->ncore)
			memcpy(n, c->core, c->ncore * sizeof(*n));
		c->core = n;
	}
	c->core[c->ncore++] = (struct cg_core_field){ rec, f, st };
	return st;
}

/* Whether rec.f can be relocated: a named member of a named kernel struct
 * (script and DWARF types have no kernel BTF to match; a union's members
 * are all at 0; a bitfield keeps its unit's offset). */
static bool relocatable(const struct ty *rec, const struct ty_field *f)
{
	return rec && rec->kind == TY_RECORD && rec->btf_id && !rec->is_union && !rec->ctx &&
	       rec->name && *rec->name && f && f->name && *f->name && !f->bits;
}

/* Compiled here to run here against this kernel's BTF, the offsets read from
 * it are the ones libbpf would find, and a relocation only makes libbpf parse
 * vmlinux BTF at load: 13 MiB of a curtask program's 25 MiB peak RSS, 10 ms
 * and more of its start. An artifact (--aot), or a program compiled against
 * another BTF file (BPFTRACE_BTF), may run on another kernel: those relocate.
 * It also keeps LLVM 16's BPF member-access pass out of ordinary compiles: the
 * pass caches its relocation globals in a static map across modules, so a
 * second compile in one process (the fuzzer's) read the first module's freed
 * globals. */
static bool relocating(const struct cg *c)
{
	const char *btf = c->pc->cfg ? cfg_str(c->pc->cfg, CFG_BTF) : NULL;
	return (c->opts && c->opts->aot) || (btf && *btf);
}

LLVMValueRef cg_core_field_addr(struct cg *c, LLVMValueRef base, const struct ty *rec,
				const struct ty_field *f)
{
	if (!relocating(c) || !relocatable(rec, f))
		return LLVMBuildAdd(c->b, base, cg_const(c, f ? f->offset : 0), "");
	LLVMMetadataRef st = di_field_record(c, rec, f);
	/* the IR type the intrinsic indexes: one member, as the debug type */
	LLVMTypeRef one = c->i8;
	LLVMTypeRef sty = LLVMStructTypeInContext(c->ctx, &one, 1, false);
	LLVMTypeRef ovl[2] = { c->ptr, c->ptr };
	unsigned id = LLVMLookupIntrinsicID("llvm.preserve.struct.access.index", 33);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(c->mod, id, ovl, 2);
	LLVMTypeRef fty = LLVMIntrinsicGetType(c->ctx, id, ovl, 2);
	LLVMValueRef args[3] = {
		LLVMBuildIntToPtr(c->b, base, c->ptr, ""),
		LLVMConstInt(c->i32, 0, false),   /* the IR member */
		LLVMConstInt(c->i32, 0, false),   /* the debug member: the one */
	};
	LLVMValueRef call = LLVMBuildCall2(c->b, fty, fn, args, 3, "");
	unsigned et = LLVMGetEnumAttributeKindForName("elementtype", 11);
	LLVMAddCallSiteAttribute(call, 1, LLVMCreateTypeAttribute(c->ctx, et, sty));
	unsigned md = LLVMGetMDKindIDInContext(c->ctx, "llvm.preserve.access.index", 26);
	LLVMSetMetadata(call, md, LLVMMetadataAsValue(c->ctx, st));
	return LLVMBuildPtrToInt(c->b, call, c->i64, "");
}
