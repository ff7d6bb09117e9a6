/* cg_sysdisp: syscall tracepoints served by one program on the raw syscall tracepoints, dispatching on the syscall number. */
#include <string.h>

#include "codegen/cg_impl.h"
#include "probes/syscalls.h"

/* Each tracepoint:syscalls:* probe attached alone is a perf event the
 * kernel takes ~10 ms to attach and ~70 ms (an RCU wait) to tear down:
 * sys_enter_* was 360 of them. Served here, a program's syscall probes are
 * one tp_btf program on raw_syscalls:sys_enter and one on sys_exit, each a
 * switch on the syscall number that calls the bodies of that syscall's
 * probes, in the order written, as subprograms. A body reads `args` from a
 * record laid out as the tracepoint's format (cg_sysdisp_record), built
 * from the same registers the kernel copies into it, so every field has
 * the tracepoint's type and value. What the choice between this and one
 * perf event per probe costs is measured in bench/README.md. */

enum { H_GET_CURRENT_TASK_BTF = 158 };

/* x86-64's TS_COMPAT (arch/x86/include/asm/thread_info.h): the task is in
 * a 32-bit syscall, numbered from the i386 table. The syscalls tracepoints
 * ignore those (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS), and so does the
 * dispatch: 32-bit 5 is open, 64-bit 5 fstat. */
#define TS_COMPAT 0x0002

/* struct pt_regs on x86-64: the syscall argument registers in order (di,
 * si, dx, r10, r8, r9; syscall_get_arguments) and orig_ax, the number. */
static const uint32_t arg_reg[6] = { 112, 104, 96, 56, 72, 64 };
#define REG_ORIG_AX 120

/* Auto: the dispatch from this many syscall probes on, one perf event each
 * below. Measured (bench/sysdisp.py; bench/README.md, "Syscall
 * tracepoints"): start to exit, the dispatch's fixed cost (libbpf parses
 * vmlinux BTF for tp_btf, ~10-25 ms) is even with the perf events' at about
 * 8 syscall probes and ahead from 16 (0.10 against 0.15 s; at 360, 0.08
 * against 0.6-2.2 s, and each perf event then takes ~50 ms more to tear
 * down in the background); while it runs, the dispatch adds ~10-55 ns to
 * every syscall of the machine, the untraced ones too (the perf events add
 * nothing to those), and ~35 ns more than a perf event to a traced one. */
#define SYSDISP_AUTO_MIN 16

/* The syscall a probe traces: 1 enter or 2 exit, and its number. */
static unsigned syscall_of(const struct sema_expansion *e, int *nr)
{
	const char *name;
	if (e->type != PROBE_TRACEPOINT || !e->target || !e->func || strcmp(e->target, "syscalls") ||
	    e->multi_lead)
		return 0;
	unsigned dir = (unsigned)rt_syscall_event(e->func, &name);
	if (!dir || (*nr = rt_syscall_nr(name)) < 0)
		return 0;
	return dir;
}

struct uses {
	bool args;      /* reads args: the body builds the record */
	bool context;   /* reads what differs between the two contexts */
};

/* Builtins whose value is the context's own, not the tracepoint's: the
 * context pointer, the registers, a kernel stack (its frames start where
 * the program runs). Blocks that use them keep their perf events. */
static void use_builtin(unsigned bi, struct uses *u)
{
	switch (bi) {
	case BI_ARGS:
		u->args = true;
		break;
	case BI_CTX: case BI_KSTACK: case BI_ARGN: case BI_SARGN: case BI_RETVAL: case BI_USERMODE:
	case BI_REG:
		u->context = true;
		break;
	default:
		break;
	}
}

static void walk(const struct ast *n, struct uses *u)
{
	for (; n; n = n->next) {
		if (n->kind == AST_BUILTIN)
			use_builtin(n->ident.bi, u);
		else if (n->kind == AST_CALL)
			use_builtin(n->call.bi, u);
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(n, kids);
		for (unsigned i = 0; i < k; i++)
			walk(kids[i], u);
	}
}

static struct uses probe_uses(const struct ast *p)
{
	struct uses u = { false, false };
	if (p->probe.pred) {
		const struct ast *pred = p->probe.pred;
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(pred, kids);
		if (pred->kind == AST_BUILTIN)
			use_builtin(pred->ident.bi, &u);
		else if (pred->kind == AST_CALL)
			use_builtin(pred->call.bi, &u);
		for (unsigned i = 0; i < k; i++)
			walk(kids[i], &u);
	}
	walk(p->probe.body->block.stmts, &u);
	return u;
}

/* Whether exp[j]'s syscall is one of exp[i..j)'s: a group's table holds
 * one probe a syscall. */
static bool in_group(const struct sema *s, unsigned i, unsigned j)
{
	for (unsigned k = i; k < j; k++)
		if (s->exp[k].sysnr == s->exp[j].sysnr)
			return true;
	return false;
}

/* Every syscall probe of the program, or none: blocks on one syscall run
 * in the order written only when they are served the same way. */
void cg_sysdisp_plan(struct cg *c)
{
	struct sema *s = c->s;
	if (s->sysdisp_status_off < 0)
		return;
	unsigned n = 0;
	int nr;
	for (unsigned i = 0; i < s->nexp; i++) {
		struct sema_expansion *e = &s->exp[i];
		if (!syscall_of(e, &nr))
			continue;
		struct uses u = probe_uses(e->probe);
		if (u.context)
			return;
		n++;
	}
	if (!n || (s->sysdisp_mode == CFG_SYSDISP_AUTO && n < SYSDISP_AUTO_MIN))
		return;
	bool lead[3] = { false, false, false };
	for (unsigned i = 0; i < s->nexp; i++) {
		struct sema_expansion *e = &s->exp[i];
		unsigned dir = syscall_of(e, &nr);
		if (!dir)
			continue;
		e->sysdisp = dir;
		e->sysnr = nr;
		e->sysdisp_args = probe_uses(e->probe).args;
		e->sysdisp_lead = !lead[dir];
		lead[dir] = true;
	}
	/* A block's probes that do not read args share one body, which names
	 * the probe that fired (`probe`, `func`) by the index the dispatch
	 * passes (cg_multi_name): sys_enter_* is one function, not 360 for
	 * LLVM to build and the verifier to count. */
	for (unsigned i = 0; i < s->nexp;) {
		struct sema_expansion *e = &s->exp[i];
		unsigned j = i + 1;
		if (e->sysdisp && !e->sysdisp_args)
			while (j < s->nexp && s->exp[j].sysdisp == e->sysdisp && !s->exp[j].sysdisp_args &&
			       s->exp[j].probe == e->probe && !in_group(s, i, j))
				j++;
		if (j - i > 1) {
			e->multi_n = j - i;
			for (unsigned k = i + 1; k < j; k++)
				s->exp[k].multi_lead = i + 1;
		}
		i = j;
	}
}

/* The body's BTF prototype: long (void *ctx, long index). */
LLVMMetadataRef cg_sysdisp_di_fnty(struct cg *c)
{
	LLVMMetadataRef params[3] = { c->di_long, c->di_ptr, c->di_long };
	return LLVMDIBuilderCreateSubroutineType(c->di, c->difile, params, 3, 0);
}

const char *cg_sysdisp_prog(const struct sema_expansion *e)
{
	return e->sysdisp == 1 ? "hawk_sys_enter" : "hawk_sys_exit";
}

/* A body is a subprogram of the dispatch program: called with its context,
 * never inlined (each would add its stack to the caller's). */
void cg_sysdisp_fn(struct cg *c)
{
	LLVMSetLinkage(c->fn, LLVMInternalLinkage);
	LLVMSetSection(c->fn, ".text");
	unsigned kind = LLVMGetEnumAttributeKindForName("noinline", 8);
	LLVMAddAttributeAtIndex(c->fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, kind, 0));
}

static LLVMValueRef load64(struct cg *c, LLVMValueRef base, uint32_t off)
{
	LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, cg_gep(c, base, off), "");
	LLVMSetAlignment(v, 8);
	return v;
}

/* The tp_btf context: u64 slots of the raw tracepoint's arguments,
 * sys_enter(struct pt_regs *regs, long id) and sys_exit(regs, long ret).
 * regs is a BTF pointer the program may load from directly. */
static LLVMValueRef ctx_regs(struct cg *c)
{
	LLVMValueRef v = LLVMBuildLoad2(c->b, c->ptr, c->ctxarg, "regs");
	LLVMSetAlignment(v, 8);
	return v;
}

/* The record the syscall tracepoint would have given (its format file):
 * 8 bytes of common fields (which programs may not read), int __syscall_nr
 * at 8, then at 16 each argument as 8 bytes (sys_enter_*) or long ret
 * (sys_exit_*): the kernel fills them from regs, syscall_get_nr and
 * syscall_get_arguments, and the raw tracepoint's ret. */
LLVMValueRef cg_sysdisp_record(struct cg *c, const struct sema_expansion *e)
{
	uint32_t size = (ty_size(e->args) + 7) & ~7u;
	if (size < 16)
		size = 16;
	LLVMValueRef rec = cg_tmp(c, size);
	LLVMValueRef regs = ctx_regs(c);
	cg_store_int(c, rec, cg_const(c, 0), 8);
	LLVMValueRef nr = e->sysdisp == 1 ? load64(c, c->ctxarg, 8) : load64(c, regs, REG_ORIG_AX);
	nr = LLVMBuildAnd(c->b, nr, cg_const(c, 0xffffffffu), "");
	cg_store_int(c, cg_gep(c, rec, 8), nr, 8);
	for (uint32_t off = 16; off + 8 <= size; off += 8) {
		uint32_t i = (off - 16) / 8;
		LLVMValueRef v;
		if (e->sysdisp == 2)
			v = i == 0 ? load64(c, c->ctxarg, 8) : cg_const(c, 0);
		else
			v = i < 6 ? load64(c, regs, arg_reg[i]) : cg_const(c, 0);
		cg_store_int(c, cg_gep(c, rec, off), v, 8);
	}
	return rec;
}

/* The kernel verifies at most 256 functions in one program
 * (BPF_MAX_SUBPROGS): the program and its subprograms. More bodies (and
 * their loop callbacks) than fit are served by further programs on the same
 * raw tracepoint, attached in order, so they run in order. */
#define SYSDISP_FUNCS_MAX 250

/* What a program calls, in the order of the probes: a group's shared body
 * (through the table) or one probe's own body (through a switch). */
struct unit {
	const struct sema_expansion *e;  /* the body's expansion: a group's first */
	bool group;
};

/* The syscalls a unit serves: its group's members, or itself. */
static unsigned unit_size(const struct unit *u)
{
	return u->group ? u->e->multi_n : 1;
}

/* The table of one program, a constant in .rodata: a row per syscall
 * number up to the largest it traces, a u32 column per group (the index
 * of the group's probe on that syscall, or ~0) and a last one that is 1
 * when anything traces it. The dispatch reads the row at the syscall
 * number (an untraced syscall: one bounded load and a branch), and each
 * group's body is called from one place with an index the verifier does
 * not know, so it verifies the body once, not once a syscall. */
static LLVMValueRef table(struct cg *c, const char *name, const struct unit *u, unsigned n, unsigned cols,
			  unsigned rows)
{
	uint32_t *v = arena_alloc(c->a, (size_t)rows * cols * 4);
	memset(v, 0xff, (size_t)rows * cols * 4);
	for (unsigned r = 0; r < rows; r++)
		v[r * cols + cols - 1] = 0;
	unsigned g = 0;
	for (unsigned k = 0; k < n; k++) {
		for (unsigned m = 0; m < unit_size(&u[k]); m++) {
			unsigned nr = (unsigned)u[k].e[m].sysnr;
			v[nr * cols + cols - 1] = 1;
			if (u[k].group)
				v[nr * cols + g] = m;
		}
		g += u[k].group;
	}
	LLVMValueRef *vals = arena_alloc(c->a, (size_t)rows * cols * sizeof(*vals));
	for (size_t i = 0; i < (size_t)rows * cols; i++)
		vals[i] = LLVMConstInt(c->i32, v[i], false);
	const char *gname = arena_printf(c->a, "%s_table", name);
	LLVMValueRef gv = cg_rodata_global(c, gname, LLVMArrayType(c->i32, rows * cols),
					   LLVMConstArray(c->i32, vals, rows * cols),
					   cg_di_array(c, "unsigned int", 32, 7, (uint64_t)rows * cols));
	return gv;
}

static void call_body(struct cg *c, const struct sema_expansion *l, LLVMValueRef idx)
{
	LLVMTypeRef params[2] = { c->ptr, c->i64 };
	LLVMTypeRef fty = LLVMFunctionType(c->i64, params, 2, false);
	const char *body = arena_printf(c->a, "prog%u_%s", l->index, probetype_name(l->type));
	LLVMValueRef fn = LLVMGetNamedFunction(c->mod, body);
	if (!fn) {
		cg_error(c, l->ap->span, "internal: no body %s for %s", body, l->name);
		return;
	}
	cg_location(c, l->probe->span);
	LLVMValueRef args[2] = { c->ctxarg, idx };
	LLVMBuildCall2(c->b, fty, fn, args, 2, "");
}

/* Consecutive one-probe units: a switch on the syscall number to each
 * one's body, then on. */
static void emit_run(struct cg *c, LLVMValueRef id, const struct unit *u, unsigned n)
{
	LLVMBasicBlockRef next = cg_block(c, "run_end");
	LLVMValueRef sw = LLVMBuildSwitch(c->b, id, next, n);
	bool *done = arena_alloc(c->a, n);
	memset(done, 0, n);
	for (unsigned k = 0; k < n; k++) {
		if (done[k])
			continue;
		LLVMBasicBlockRef bb = cg_block(c, "syscall");
		LLVMAddCase(sw, LLVMConstInt(c->i64, (unsigned long long)u[k].e->sysnr, false), bb);
		LLVMPositionBuilderAtEnd(c->b, bb);
		for (unsigned j = k; j < n; j++)
			if (u[j].e->sysnr == u[k].e->sysnr) {
				done[j] = true;
				call_body(c, u[j].e, cg_const(c, 0));
			}
		LLVMBuildBr(c->b, next);
	}
	LLVMPositionBuilderAtEnd(c->b, next);
}

/* One program of a direction: the syscall number (sys_enter's id; at exit
 * the saved orig_ax, as the kernel's trace_get_syscall_nr reads it), its
 * row of the table, no call for a 32-bit task's syscall, then the units
 * u[0..n) in order. */
static void emit_prog(struct cg *c, unsigned dir, const char *name, const struct unit *u, unsigned n)
{
	unsigned groups = 0, rows = 0;
	for (unsigned k = 0; k < n; k++) {
		groups += u[k].group;
		for (unsigned m = 0; m < unit_size(&u[k]); m++)
			if ((unsigned)u[k].e[m].sysnr + 1 > rows)
				rows = (unsigned)u[k].e[m].sysnr + 1;
	}
	unsigned cols = groups + 1;
	LLVMValueRef tbl = table(c, name, u, n, cols, rows);

	LLVMTypeRef params[1] = { c->ptr };
	LLVMTypeRef fty = LLVMFunctionType(c->i64, params, 1, false);
	c->fn = LLVMAddFunction(c->mod, name, fty);
	LLVMSetSection(c->fn, dir == 1 ? "tp_btf/sys_enter" : "tp_btf/sys_exit");
	LLVMSetLinkage(c->fn, LLVMExternalLinkage);
	unsigned kind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(c->fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, kind, 0));
	c->ctxarg = LLVMGetParam(c->fn, 0);
	const struct ast *lead = u[0].e->probe;
	unsigned line = lead->span.line;
	c->sp = LLVMDIBuilderCreateFunction(c->di, c->difile, name, strlen(name), name, strlen(name), c->difile,
					    line, c->di_fnty, false, true, line, 0, true);
	LLVMSetSubprogram(c->fn, c->sp);
	LLVMDIBuilderCreateParameterVariable(c->di, c->sp, "ctx", 3, 1, c->difile, line, c->di_ptr, true, 0);
	c->scratch = NULL;
	c->stack_used = 0;
	cg_fn_begin(c, lead->span);

	LLVMValueRef id = dir == 1 ? load64(c, c->ctxarg, 8) : load64(c, ctx_regs(c), REG_ORIG_AX);
	LLVMBasicBlockRef none = cg_block(c, "untraced"), in = cg_block(c, "in_table"),
			  traced = cg_block(c, "traced"), native = cg_block(c, "native");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntULT, id, cg_const(c, rows), ""), in, none);
	LLVMPositionBuilderAtEnd(c->b, none);
	LLVMBuildRet(c->b, cg_const(c, 0));
	LLVMPositionBuilderAtEnd(c->b, in);
	LLVMValueRef off = LLVMBuildMul(c->b, id, cg_const(c, 4ull * cols), "");
	LLVMValueRef row = LLVMBuildGEP2(c->b, c->i8, tbl, &off, 1, "row");
	LLVMValueRef any = LLVMBuildLoad2(c->b, c->i32, cg_gep(c, row, 4 * (cols - 1)), "");
	LLVMSetAlignment(any, 4);
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, any, LLVMConstInt(c->i32, 0, false), ""), traced, none);
	LLVMPositionBuilderAtEnd(c->b, traced);
	struct sema *s = c->s;
	LLVMValueRef task = cg_helper(c, (enum cg_helper)H_GET_CURRENT_TASK_BTF, c->ptr, NULL, 0);
	LLVMValueRef at = cg_core_field_addr(c, LLVMBuildPtrToInt(c->b, task, c->i64, ""), s->sysdisp_task,
					     s->sysdisp_ti_field);
	at = cg_core_field_addr(c, at, s->sysdisp_ti, s->sysdisp_status_field);
	LLVMValueRef st = LLVMBuildLoad2(c->b, c->i32, LLVMBuildIntToPtr(c->b, at, c->ptr, ""), "");
	LLVMSetAlignment(st, 4);
	LLVMValueRef compat = LLVMBuildICmp(c->b, LLVMIntNE,
					    LLVMBuildAnd(c->b, st, LLVMConstInt(c->i32, TS_COMPAT, false), ""),
					    LLVMConstInt(c->i32, 0, false), "");
	LLVMBuildCondBr(c->b, compat, none, native);
	LLVMPositionBuilderAtEnd(c->b, native);

	unsigned g = 0;
	for (unsigned k = 0; k < n;) {
		if (!u[k].group) {
			unsigned j = k;
			while (j < n && !u[j].group)
				j++;
			emit_run(c, id, u + k, j - k);
			k = j;
			continue;
		}
		LLVMValueRef v = LLVMBuildLoad2(c->b, c->i32, cg_gep(c, row, 4 * g), "");
		LLVMSetAlignment(v, 4);
		LLVMBasicBlockRef call = cg_block(c, "group"), next = cg_block(c, "group_end");
		LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, v, LLVMConstInt(c->i32, ~0u, false), ""),
				call, next);
		LLVMPositionBuilderAtEnd(c->b, call);
		call_body(c, u[k].e, LLVMBuildZExt(c->b, v, c->i64, ""));
		LLVMBuildBr(c->b, next);
		LLVMPositionBuilderAtEnd(c->b, next);
		g++;
		k++;
	}
	LLVMBuildRet(c->b, cg_const(c, 0));
	LLVMSetCurrentDebugLocation2(c->b, NULL);

	/* the probes it serves: the first attaches it, the others are counted */
	bool first = true;
	for (unsigned k = 0; k < n; k++)
		for (unsigned m = 0; m < unit_size(&u[k]); m++) {
			struct desc_probe *dp = &c->desc->probes[u[k].e[m].desc_index];
			dp->prog_name = name;
			dp->sysdisp = first ? DESC_SYSDISP_LEAD : DESC_SYSDISP_MEMBER;
			first = false;
		}
}

/* A direction's units in the order of the probes, cut into programs of at
 * most SYSDISP_FUNCS_MAX functions. */
static void emit_dir(struct cg *c, unsigned dir)
{
	struct sema *s = c->s;
	struct unit *u = arena_alloc(c->a, (s->nexp + 1) * sizeof(*u));
	unsigned n = 0;
	for (unsigned i = 0; i < s->nexp; i++) {
		const struct sema_expansion *e = &s->exp[i];
		if (e->sysdisp == dir && !e->multi_lead)
			u[n++] = (struct unit){ e, e->multi_n > 1 };
	}
	const char *base = dir == 1 ? "hawk_sys_enter" : "hawk_sys_exit";
	unsigned prog = 0;
	for (unsigned lo = 0; lo < n; prog++) {
		unsigned hi = lo, total = 1;
		while (hi < n && (hi == lo || total + u[hi].e->sysdisp_funcs <= SYSDISP_FUNCS_MAX))
			total += u[hi++].e->sysdisp_funcs;
		emit_prog(c, dir, prog ? arena_printf(c->a, "%s_%u", base, prog) : base, u + lo, hi - lo);
		lo = hi;
	}
}

void cg_sysdisp_emit(struct cg *c)
{
	emit_dir(c, 1);
	emit_dir(c, 2);
}
