/* cg_module: the LLVM module, BPF target, debug info, value helpers, and emission to an ELF in memory. */
#include <stdarg.h>
#include <string.h>

#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/ErrorHandling.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen/cg_impl.h"

void cg_error(struct cg *c, struct span at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(c->d, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
	c->errors++;
}

/* Without a handler LLVM exit(1)s the process on an error diagnostic, e.g.
 * "Looks like the BPF stack limit of 512 bytes is exceeded". */
struct llvm_diags {
	struct cg *c;
	unsigned errors;
	const void *last;         /* the probe last reported: LLVM repeats itself */
};

static void on_llvm_diag(LLVMDiagnosticInfoRef info, void *arg)
{
	struct llvm_diags *ld = arg;
	if (LLVMGetDiagInfoSeverity(info) != LLVMDSError)
		return; /* remarks such as "N instructions in function" */
	char *msg = LLVMGetDiagInfoDescription(info);
	ld->errors++;
	/* "...: in function prog3_tracepoint i64 (ptr): message": at that probe */
	const struct desc *d = ld->c->desc;
	const struct desc_probe *at = NULL;
	for (uint32_t i = 0; i < d->nprobes && !at; i++) {
		const char *p = strstr(msg, d->probes[i].prog_name);
		size_t n = strlen(d->probes[i].prog_name);
		if (p && p > msg && p[-1] == ' ' && p[n] == ' ' && d->probes[i].at.line)
			at = &d->probes[i];
	}
	if (at && at == ld->last) {
		LLVMDisposeMessage(msg);
		return;
	}
	ld->last = at;
	if (at) {
		/* the message alone: the place is the probe's, its line info LLVM's guess */
		const char *text = strstr(strstr(msg, at->prog_name), "): ");
		text = text ? text + 3 : msg;
		int len = (int)strlen(text);
		while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
			len--;
		diag_error(ld->c->d, at->at, "code generation failed: %.*s", len, text);
	}
	else
		diag_plain(ld->c->d, DIAG_ERROR, "code generation failed: %s", msg);
	LLVMDisposeMessage(msg);
}

/* LLVM's fatal errors ("Branch target out of insn range") print
 * "LLVM ERROR:" and abort the process. cg_probe refuses the code that
 * would most often reach them (too large); for any other, the handler reports it at the
 * probe being built (or, while emitting, the largest one) and exits with
 * status 1. Nothing is loaded yet when codegen runs, so exiting leaves no
 * program behind; LLVM's state is unusable after the error, so returning
 * into hawk is not an option. */
static struct cg *fatal_cg;

static void on_llvm_fatal(const char *reason)
{
	struct cg *c = fatal_cg;
	if (c && c->fatal_at.line)
		diag_error(c->d, c->fatal_at, "code generation failed inside LLVM: %s", reason);
	else
		fprintf(stderr, "ERROR: code generation failed inside LLVM: %s\n", reason);
	fflush(NULL);
	_exit(1);
}

LLVMValueRef cg_const(struct cg *c, uint64_t v)
{
	return LLVMConstInt(c->i64, v, false);
}

/* Helpers are called through their id cast to a function pointer: the BPF
 * backend turns `call (inttoptr N)` into `call N`. */
LLVMValueRef cg_helper(struct cg *c, enum cg_helper id, LLVMTypeRef ret, LLVMValueRef *args, unsigned n)
{
	LLVMTypeRef params[8];
	for (unsigned i = 0; i < n; i++)
		params[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef fty = LLVMFunctionType(ret, params, n, false);
	LLVMValueRef fp = LLVMConstIntToPtr(LLVMConstInt(c->i64, (unsigned)id, false), c->ptr);
	return LLVMBuildCall2(c->b, fty, fp, args, n, "");
}

/* Every alloca sits in the entry block with a fixed type: anything else is
 * "Unsupported dynamic stack allocation", a fatal LLVM error. */
LLVMValueRef cg_alloca(struct cg *c, uint32_t size)
{
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMValueRef term = LLVMGetBasicBlockTerminator(c->entry);
	if (term)
		LLVMPositionBuilderBefore(c->b, term);
	else
		LLVMPositionBuilderAtEnd(c->b, c->entry);
	LLVMValueRef a = LLVMBuildAlloca(c->b, LLVMArrayType(c->i8, size ? size : 1), "");
	LLVMSetAlignment(a, 8);
	LLVMPositionBuilderAtEnd(c->b, cur);
	return a;
}

/* The per-CPU scratch buffer, looked up once in the prologue the first time
 * a program needs it, so programs without large values pay no lookup. */
static LLVMValueRef scratch_base(struct cg *c)
{
	if (c->scratch)
		return c->scratch;
	if (c->scratch_map < 0)
		c->scratch_map = cg_map_add(c, "scratch", "hawk_scratch", DESC_MAP_SCRATCH,
					    6 /* BPF_MAP_TYPE_PERCPU_ARRAY */, 4, 8, 1);
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
	LLVMValueRef key = cg_alloca(c, 4);
	LLVMValueRef term = LLVMGetBasicBlockTerminator(c->prologue);
	LLVMInstructionEraseFromParent(term);
	LLVMPositionBuilderAtEnd(c->b, c->prologue);
	LLVMBuildStore(c->b, LLVMConstInt(c->i32, 0, false), key);
	LLVMValueRef args[2] = { cg_map_ptr(c, c->scratch_map), key };
	LLVMValueRef p = cg_helper(c, H_MAP_LOOKUP, c->ptr, args, 2);
	LLVMBasicBlockRef fail = cg_block(c, "no_scratch");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), fail, c->body);
	LLVMPositionBuilderAtEnd(c->b, fail);
	LLVMBuildRet(c->b, cg_const(c, 0));
	LLVMPositionBuilderAtEnd(c->b, cur);
	c->scratch = p;
	return p;
}

/* Room for a value: small ones on the stack while this program's budget
 * lasts, the rest in per-CPU scratch. The stack is 512 bytes in all and
 * LLVM's own spills need some of it: past that, "Looks like the BPF stack
 * limit of 512 bytes is exceeded" (capable.bt's BEGIN, 40 string stores). */
#define STACK_BUDGET 256
/* A per-CPU array value is at most 32 KiB (PCPU_MIN_UNIT_SIZE); past it,
 * libbpf's load fails with "Argument list too long" and no place. */
#define CG_SCRATCH_MAX 32768
LLVMValueRef cg_tmp(struct cg *c, uint32_t size)
{
	size = (size + 7) & ~7u;
	if (size <= 64 && c->stack_used + size <= STACK_BUDGET) {
		c->stack_used += size;
		return cg_alloca(c, size);
	}
	LLVMValueRef base = scratch_base(c);
	uint32_t off = c->scratch_off;
	if (c->scratch_off + size > CG_SCRATCH_MAX && !c->scratch_full) {
		cg_error(c, c->at, "this probe's values need more than %u bytes (strings are %u bytes each): "
			 "more than BPF's per-CPU scratch can hold", CG_SCRATCH_MAX, c->s->max_strlen);
		c->scratch_full = true;
	}
	c->scratch_off += size;
	if (c->scratch_off > c->scratch_size)
		c->scratch_size = c->scratch_off;
	/* The address is an instruction at the builder's place (in the
	 * prologue, 40 live pointers would spill past the stack): callers take
	 * their room before they branch. */
	return cg_gep(c, base, off);
}

LLVMValueRef cg_gep(struct cg *c, LLVMValueRef base, uint32_t off)
{
	if (!off)
		return base;
	LLVMValueRef idx = LLVMConstInt(c->i64, off, false);
	return LLVMBuildGEP2(c->b, c->i8, base, &idx, 1, "");
}

static LLVMTypeRef int_type(struct cg *c, uint32_t size)
{
	return size == 1 ? c->i8 : size == 2 ? c->i16 : size == 4 ? c->i32 : c->i64;
}

/* An integer of the type's size, widened to i64 by its sign. */
LLVMValueRef cg_load_int(struct cg *c, LLVMValueRef addr, const struct ty *t)
{
	uint32_t size = t->kind == TY_BOOL ? 1 : t->size;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		size = 8;
	LLVMTypeRef it = int_type(c, size);
	LLVMValueRef v = LLVMBuildLoad2(c->b, it, addr, "");
	/* Every layout hawk makes (records, keys, tuples) and every kernel one
	 * (tracepoint formats) aligns integers naturally. */
	LLVMSetAlignment(v, size);
	if (size == 8)
		return v;
	bool sext = t->kind == TY_INT && t->is_signed;
	return sext ? LLVMBuildSExt(c->b, v, c->i64, "") : LLVMBuildZExt(c->b, v, c->i64, "");
}

void cg_store_int(struct cg *c, LLVMValueRef addr, LLVMValueRef v, uint32_t size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		size = 8;
	if (size != 8)
		v = LLVMBuildTrunc(c->b, v, int_type(c, size), "");
	LLVMValueRef s = LLVMBuildStore(c->b, v, addr);
	LLVMSetAlignment(s, size);
}

unsigned cg_align_of(uint32_t offset, unsigned base)
{
	unsigned a = base ? base : 1;
	while (a > 1 && offset % a)
		a /= 2;
	return a;
}

LLVMBasicBlockRef cg_block(struct cg *c, const char *name)
{
	return LLVMAppendBasicBlockInContext(c->ctx, c->fn, name);
}

void cg_fn_begin(struct cg *c, struct span at)
{
	c->entry = cg_block(c, "entry");
	c->prologue = cg_block(c, "prologue");
	c->body = cg_block(c, "body");
	LLVMPositionBuilderAtEnd(c->b, c->entry);
	LLVMBuildBr(c->b, c->prologue);
	LLVMPositionBuilderAtEnd(c->b, c->prologue);
	LLVMBuildBr(c->b, c->body);
	LLVMPositionBuilderAtEnd(c->b, c->body);
	cg_location(c, at);
}

/* Per-statement line info: a verifier rejection then names the script line. */
void cg_location(struct cg *c, struct span at)
{
	LLVMMetadataRef loc = LLVMDIBuilderCreateDebugLocation(c->ctx, at.line, at.col, c->sp, NULL);
	LLVMSetCurrentDebugLocation2(c->b, loc);
	c->at = at;
}

LLVMValueRef cg_map_ptr(struct cg *c, int desc_map)
{
	return c->map_globals[desc_map];
}

bool cg_is_mem(const struct ty *t)
{
	switch (t->kind) {
	case TY_STRING: case TY_TUPLE: case TY_RECORD: case TY_ARRAY: case TY_BUFFER: case TY_INET:
	case TY_STACK: case TY_TIMESTAMP: case TY_MACADDR: case TY_USYM:
		return true;
	case TY_NONE: case TY_VOID: case TY_INT: case TY_BOOL: case TY_PTR: case TY_KSYM:
	case TY_USERNAME: case TY_CGROUP_PATH: case TY_ERRNO: case TY_AGG: case TY_MAP: case TY__COUNT:
		return false;
	}
	return false;
}

/* Through sema's name table: a scan per map reference made many maps quadratic. */
int cg_user_map(struct cg *c, const char *name)
{
	struct sema_map *sm = sema_map_find(c->s, name);
	return sm ? c->user_map[sm - c->s->maps] : -1;
}

static bool target_init(struct cg *c, LLVMTargetMachineRef *tm)
{
	static bool done;
	if (!done) {
		LLVMInitializeBPFTargetInfo();
		LLVMInitializeBPFTarget();
		LLVMInitializeBPFTargetMC();
		LLVMInitializeBPFAsmPrinter();
		done = true;
	}
	LLVMTargetRef t;
	char *err = NULL;
	if (LLVMGetTargetFromTriple("bpf", &t, &err)) {
		diag_plain(c->d, DIAG_ERROR, "LLVM has no BPF target: %s", err);
		LLVMDisposeMessage(err);
		return false;
	}
	/* v3: 32-bit jumps and ALU32, on every kernel since 5.1. */
	*tm = LLVMCreateTargetMachine(t, "bpf", "v3", "", LLVMCodeGenLevelDefault, LLVMRelocDefault,
				      LLVMCodeModelDefault);
	return *tm != NULL;
}

static void module_init(struct cg *c, LLVMTargetMachineRef tm)
{
	c->ctx = LLVMContextCreate();
	c->mod = LLVMModuleCreateWithNameInContext("hawk", c->ctx);
	c->b = LLVMCreateBuilderInContext(c->ctx);
	c->i8 = LLVMInt8TypeInContext(c->ctx);
	c->i16 = LLVMInt16TypeInContext(c->ctx);
	c->i32 = LLVMInt32TypeInContext(c->ctx);
	c->i64 = LLVMInt64TypeInContext(c->ctx);
	c->ptr = LLVMPointerTypeInContext(c->ctx, 0);
	LLVMSetTarget(c->mod, "bpf");
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
	LLVMSetModuleDataLayout(c->mod, td);
	LLVMDisposeTargetData(td);

	/* Debug info makes the backend emit .BTF (BTF-defined maps need it) and
	 * .BTF.ext line info (verifier messages name the script line). */
	c->di = LLVMCreateDIBuilder(c->mod);
	const char *name = c->desc->source_name;
	c->difile = LLVMDIBuilderCreateFile(c->di, name, strlen(name), ".", 1);
	c->dicu = LLVMDIBuilderCreateCompileUnit(c->di, LLVMDWARFSourceLanguageC, c->difile, "hawk", 4,
						 false, "", 0, 0, "", 0, LLVMDWARFEmissionFull, 0, false,
						 false, "", 0, "", 0);
	LLVMAddModuleFlag(c->mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
			  LLVMValueAsMetadata(LLVMConstInt(c->i32, LLVMDebugMetadataVersion(), false)));
	LLVMAddModuleFlag(c->mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
			  LLVMValueAsMetadata(LLVMConstInt(c->i32, 4, false)));
	c->di_int = LLVMDIBuilderCreateBasicType(c->di, "int", 3, 32, 5 /* DW_ATE_signed */, 0);
	LLVMMetadataRef lng = LLVMDIBuilderCreateBasicType(c->di, "long", 4, 64, 5, 0);
	c->di_ptr = LLVMDIBuilderCreatePointerType(c->di, NULL, 64, 64, 0, "", 0);
	c->di_long = lng;
	LLVMMetadataRef params[2] = { lng, c->di_ptr };
	c->di_fnty = LLVMDIBuilderCreateSubroutineType(c->di, c->difile, params, 2, 0);

	/* The licence: GPL by default, or another GPL-compatible one (config
	 * license), which the helpers bpftrace programs use require. */
	const char *l = c->pc->cfg ? cfg_str(c->pc->cfg, CFG_LICENSE) : "GPL";
	unsigned ln = (unsigned)strlen(l);
	LLVMValueRef lic = LLVMAddGlobal(c->mod, LLVMArrayType(c->i8, ln + 1), "_license");
	LLVMSetInitializer(lic, LLVMConstStringInContext(c->ctx, l, ln, false));
	LLVMSetSection(lic, "license");
	LLVMSetLinkage(lic, LLVMExternalLinkage);
}

/* CO-RE field relocations (cg_core.c): the BPF target's IR passes turn
 * llvm.preserve.*.access.index into relocated offsets; they run at the
 * pipeline's start, which the O0 pipeline has too (it optimises nothing).
 * Without them instruction selection fails ("Cannot select: intrinsic"). */
static bool core_passes(struct cg *c, LLVMTargetMachineRef tm)
{
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(c->mod, "default<O0>", tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (e) {
		char *m = LLVMGetErrorMessage(e);
		diag_plain(c->d, DIAG_ERROR, "internal: the CO-RE passes failed: %s", m);
		LLVMDisposeErrorMessage(m);
		return false;
	}
	return true;
}

static bool emit(struct cg *c, LLVMTargetMachineRef tm)
{
	char *err = NULL;
	if (LLVMVerifyModule(c->mod, LLVMReturnStatusAction, &err)) {
		diag_plain(c->d, DIAG_ERROR, "internal: invalid LLVM IR generated: %s", err);
		LLVMDisposeMessage(err);
		if (c->opts && c->opts->dump_ir) {
			/* -d ir: the invalid module too, to see where it went wrong */
			char *ir = LLVMPrintModuleToString(c->mod);
			fputs(ir, c->opts->dump_ir);
			LLVMDisposeMessage(ir);
		}
		return false;
	}
	LLVMDisposeMessage(err);
	if (c->opts && c->opts->dump_ir) {
		char *ir = LLVMPrintModuleToString(c->mod);
		fputs(ir, c->opts->dump_ir);
		LLVMDisposeMessage(ir);
	}
	if (c->opts && c->opts->emit_llvm && LLVMPrintModuleToFile(c->mod, c->opts->emit_llvm, &err)) {
		diag_plain(c->d, DIAG_ERROR, "cannot write %s: %s", c->opts->emit_llvm, err);
		LLVMDisposeMessage(err);
		return false;
	}
	if (c->ncore && !core_passes(c, tm))
		return false;
	c->fatal_at = c->largest_at;
	struct llvm_diags ld = { c, 0, NULL };
	LLVMContextSetDiagnosticHandler(c->ctx, on_llvm_diag, &ld);
	LLVMMemoryBufferRef mb = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, c->mod, LLVMObjectFile, &err, &mb)) {
		diag_plain(c->d, DIAG_ERROR, "code generation failed: %s", err);
		LLVMDisposeMessage(err);
		return false;
	}
	if (ld.errors) {
		LLVMDisposeMemoryBuffer(mb);
		return false;
	}
	size_t n = LLVMGetBufferSize(mb);
	void *elf = arena_alloc(c->a, n);
	memcpy(elf, LLVMGetBufferStart(mb), n);
	LLVMDisposeMemoryBuffer(mb);
	c->desc->elf = elf;
	c->desc->elf_size = n;
	if (c->opts && c->opts->dump_bpf && cg_dump_bpf(c->opts->dump_bpf, elf, n))
		diag_plain(c->d, DIAG_WARNING, "-d bpf: the object could not be disassembled");
	if (c->opts && c->opts->emit_elf) {
		FILE *f = fopen(c->opts->emit_elf, "wb");
		if (!f || fwrite(elf, 1, n, f) != n) {
			diag_plain(c->d, DIAG_ERROR, "cannot write %s", c->opts->emit_elf);
			if (f)
				fclose(f);
			return false;
		}
		fclose(f);
	}
	return true;
}

struct desc *cg_compile(struct pass_ctx *pc, const struct cg_opts *o)
{
	struct desc *d = arena_alloc(pc->arena, sizeof(*d));
	d->arena = pc->arena;
	d->ringbuf_map = d->lost_map = -1;
	const struct diag_source *src = diag_source(pc->diag, pc->prog->span.file);
	d->source_name = src ? src->name : "stdin";
	struct cg c = {
		.pc = pc, .a = pc->arena, .d = pc->diag, .s = pc->sema, .desc = d, .opts = o,
		.scratch_map = -1, .pids_map = -1,
	};
	for (unsigned i = 0; i < 128; i++)
		c.stacks_map[i] = -1;
	fatal_cg = &c;
	LLVMInstallFatalErrorHandler(on_llvm_fatal);
	LLVMTargetMachineRef tm;
	if (!target_init(&c, &tm))
		return NULL;
	module_init(&c, tm);
	cg_maps_user(&c);
	cg_multi_groups(&c);
	cg_sysdisp_plan(&c);
	for (unsigned i = 0; i < c.s->nexp; i++)
		cg_probe(&c, &c.s->exp[i]);
	cg_sysdisp_emit(&c);
	cg_maps_emit(&c);
	if (o->aot)
		cg_params_finish(&c);
	LLVMDIBuilderFinalize(c.di);
	bool ok = !c.errors && emit(&c, tm);
	LLVMDisposeDIBuilder(c.di);
	LLVMDisposeBuilder(c.b);
	LLVMDisposeModule(c.mod);
	LLVMContextDispose(c.ctx);
	LLVMDisposeTargetMachine(tm);
	fatal_cg = NULL;
	return ok ? d : NULL;
}
