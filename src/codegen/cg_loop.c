/* cg_loop: loop bodies run as BPF callbacks: for ($kv : @map) through
 * bpf_for_each_map_elem, for ($i : lo..hi) with bounds the verifier cannot
 * follow through bpf_loop. */
#include <string.h>

#include "codegen/cg_impl.h"

enum { H_FOR_EACH_MAP_ELEM = 164, H_LOOP = 181, H_LOOKUP_PERCPU_ELEM = 195 };

/* A callback being built: the probe's state it replaces, restored after. */
struct cb {
	LLVMValueRef fn, pass, flag;
	unsigned nv;
	struct span at;
	LLVMValueRef ctxarg, tp_rec, name_idx, scratch, ret_flag, caller_fn, loop_pass, loop_flag;
	unsigned loop_pass_n;
	LLVMBasicBlockRef entry, prologue, body, where;
	LLVMMetadataRef sp;
	unsigned nloops;
	LLVMValueRef *slots;
	LLVMValueRef extra_in;    /* in the callback: the i64 the caller put after the flag */
};

void cg_return(struct cg *c)
{
	if (c->ret_flag) {
		LLVMBuildStore(c->b, cg_const(c, 1), c->ret_flag);
		LLVMBuildRet(c->b, cg_const(c, 1));
		return;
	}
	LLVMBuildRet(c->b, cg_const(c, 0));
}

/* The caller passes its context pointer and the address of every variable
 * in a stack array; the callback loads them back (the verifier follows
 * pointers spilled to the caller's stack), so the body reads and writes the
 * probe's own variables. [nv + 1] is the address of a "return reached"
 * flag, [nv + 2] one i64 for the loop's own use. Temporaries continue the
 * caller's scratch offsets and stack budget: both frames are live at once.
 * The callback's params are pointers, or bpf_loop's u64 index first; the
 * last one receives the array. */
static void cb_begin(struct cg *c, struct ast *n, struct cb *cb, const char *base, unsigned nparams,
		     const char *const *pnames, bool index_first, LLVMValueRef extra)
{
	static unsigned ncb;
	unsigned nv = c->nvars;
	cb->nv = nv;
	/* one array per function, shared by its loops one after another (each
	 * fills it before its call): the stack is 512 bytes for all frames */
	/* [nv + 3], [nv + 4]: a dispatched syscall body's record and probe
	 * index (cg_sysdisp.c) */
	bool disp = c->tp_rec || c->name_idx;
	unsigned need = nv + 3 + 2 * disp;
	if (!c->loop_pass || c->loop_pass_n < need) {
		c->loop_pass = cg_alloca(c, 8 * need);
		c->loop_flag = cg_alloca(c, 8);
		c->loop_pass_n = need;
	}
	cb->pass = c->loop_pass;
	cb->flag = c->loop_flag;
	LLVMBuildStore(c->b, cg_const(c, 0), cb->flag);
	LLVMBuildStore(c->b, cb->flag, cg_gep(c, cb->pass, 8 * (nv + 1)));
	LLVMBuildStore(c->b, extra ? extra : cg_const(c, 0), cg_gep(c, cb->pass, 8 * (nv + 2)));
	LLVMBuildStore(c->b, c->ctxarg, cb->pass);
	if (disp) {
		LLVMBuildStore(c->b, c->tp_rec ? c->tp_rec : LLVMConstNull(c->ptr), cg_gep(c, cb->pass, 8 * (nv + 3)));
		LLVMBuildStore(c->b, c->name_idx ? c->name_idx : cg_const(c, 0), cg_gep(c, cb->pass, 8 * (nv + 4)));
	}
	for (unsigned i = 0; i < nv; i++)   /* another map loop's own variable: no room yet */
		LLVMBuildStore(c->b, c->vars[i].slot ? c->vars[i].slot : LLVMConstNull(c->ptr),
			       cg_gep(c, cb->pass, 8 * (i + 1)));

	cb->caller_fn = c->fn;
	cb->ctxarg = c->ctxarg;
	cb->tp_rec = c->tp_rec;
	cb->name_idx = c->name_idx;
	cb->scratch = c->scratch;
	cb->ret_flag = c->ret_flag;
	cb->entry = c->entry;
	cb->prologue = c->prologue;
	cb->body = c->body;
	cb->where = LLVMGetInsertBlock(c->b);
	cb->sp = c->sp;
	cb->nloops = c->nloops;
	cb->at = c->at;
	cb->loop_pass = c->loop_pass;
	cb->loop_flag = c->loop_flag;
	cb->loop_pass_n = c->loop_pass_n;
	c->loop_pass = c->loop_flag = NULL;
	cb->slots = arena_alloc(c->a, (nv + 1) * sizeof(LLVMValueRef));
	for (unsigned i = 0; i < nv; i++)
		cb->slots[i] = c->vars[i].slot;

	const char *name = arena_printf(c->a, "%s_%u", base, ncb++);
	LLVMTypeRef params[4] = { c->ptr, c->ptr, c->ptr, c->ptr };
	if (index_first)
		params[0] = c->i64;   /* bpf_loop's index */
	cb->fn = LLVMAddFunction(c->mod, name, LLVMFunctionType(c->i64, params, nparams, false));
	LLVMSetLinkage(cb->fn, LLVMInternalLinkage);
	LLVMSetSection(cb->fn, ".text");
	const char *attrs[] = { "nounwind", "noinline" };
	for (unsigned i = 0; i < 2; i++) {
		unsigned kind = LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i]));
		LLVMAddAttributeAtIndex(cb->fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, kind, 0));
	}
	/* BTF func info for the callback, with named parameters (the kernel
	 * rejects unnamed ones: "Invalid arg#1") */
	LLVMMetadataRef lng = LLVMDIBuilderCreateBasicType(c->di, "long", 4, 64, 5, 0);
	LLVMMetadataRef dps[5] = { lng, c->di_ptr, c->di_ptr, c->di_ptr, c->di_ptr };
	if (index_first)
		dps[1] = lng;
	LLVMMetadataRef fty = LLVMDIBuilderCreateSubroutineType(c->di, c->difile, dps, nparams + 1, 0);
	c->sp = LLVMDIBuilderCreateFunction(c->di, c->difile, name, strlen(name), name, strlen(name), c->difile,
					    n->span.line, fty, true, true, n->span.line, 0, true);
	LLVMSetSubprogram(cb->fn, c->sp);
	for (unsigned i = 0; i < nparams; i++)
		LLVMDIBuilderCreateParameterVariable(c->di, c->sp, pnames[i], strlen(pnames[i]), i + 1, c->difile,
						     n->span.line, dps[i + 1], true, 0);

	c->fn = cb->fn;
	c->scratch = NULL;
	/* no location of the caller's may reach the callback's instructions
	 * ("!dbg attachment points at wrong subprogram") */
	LLVMSetCurrentDebugLocation2(c->b, NULL);
	cg_fn_begin(c, n->span);
	LLVMValueRef in = LLVMGetParam(cb->fn, nparams - 1);
	c->ctxarg = LLVMBuildLoad2(c->b, c->ptr, in, "");
	for (unsigned i = 0; i < nv; i++)
		c->vars[i].slot = cb->slots[i] ? LLVMBuildLoad2(c->b, c->ptr, cg_gep(c, in, 8 * (i + 1)), "") : NULL;
	c->ret_flag = LLVMBuildLoad2(c->b, c->ptr, cg_gep(c, in, 8 * (nv + 1)), "");
	cb->extra_in = LLVMBuildLoad2(c->b, c->i64, cg_gep(c, in, 8 * (nv + 2)), "");
	if (c->tp_rec)
		c->tp_rec = LLVMBuildLoad2(c->b, c->ptr, cg_gep(c, in, 8 * (nv + 3)), "");
	if (c->name_idx)
		c->name_idx = LLVMBuildLoad2(c->b, c->i64, cg_gep(c, in, 8 * (nv + 4)), "");
}

/* The body, with break stopping the walk (1) and continue going on to the
 * next element (0); then the caller's state back. */
static void cb_body_end(struct cg *c, struct ast *body, struct cb *cb)
{
	LLVMBasicBlockRef brk = cg_block(c, "loop_break"), cont = cg_block(c, "loop_next");
	c->nloops = 0;
	c->loops[c->nloops++] = (struct cg_loop){ brk, cont };
	cg_stmts(c, body->block.stmts);
	LLVMBuildBr(c->b, cont);
	LLVMPositionBuilderAtEnd(c->b, brk);
	LLVMBuildRet(c->b, cg_const(c, 1));
	LLVMPositionBuilderAtEnd(c->b, cont);
	LLVMBuildRet(c->b, cg_const(c, 0));

	c->fn = cb->caller_fn;
	c->ctxarg = cb->ctxarg;
	c->tp_rec = cb->tp_rec;
	c->name_idx = cb->name_idx;
	c->scratch = cb->scratch;
	c->ret_flag = cb->ret_flag;
	c->entry = cb->entry;
	c->prologue = cb->prologue;
	c->body = cb->body;
	c->sp = cb->sp;
	c->nloops = cb->nloops;
	c->loop_pass = cb->loop_pass;
	c->loop_flag = cb->loop_flag;
	c->loop_pass_n = cb->loop_pass_n;
	for (unsigned i = 0; i < cb->nv; i++)
		c->vars[i].slot = cb->slots[i];
	LLVMPositionBuilderAtEnd(c->b, cb->where);
	cg_location(c, cb->at);
}

/* After the helper: a `return` in the body returns from here too. */
static void cb_after(struct cg *c, struct cb *cb)
{
	LLVMBasicBlockRef ret = cg_block(c, "loop_return"), go = cg_block(c, "loop_done");
	LLVMValueRef hit = LLVMBuildICmp(c->b, LLVMIntNE, LLVMBuildLoad2(c->b, c->i64, cb->flag, ""), cg_const(c, 0), "");
	LLVMBuildCondBr(c->b, hit, ret, go);
	LLVMPositionBuilderAtEnd(c->b, ret);
	cg_return(c);
	LLVMPositionBuilderAtEnd(c->b, go);
}

LLVMValueRef cg_agg_total(struct cg *c, int dm, LLVMValueRef key)
{
	LLVMValueRef total = cg_alloca(c, 8);
	LLVMBuildStore(c->b, cg_const(c, 0), total);
	for (int cpu = 0; cpu < c->pc->ncpus; cpu++) {
		LLVMValueRef la[3] = { cg_map_ptr(c, dm), key, LLVMConstInt(c->i32, (unsigned)cpu, false) };
		LLVMValueRef p = cg_helper(c, (enum cg_helper)H_LOOKUP_PERCPU_ELEM, c->ptr, la, 3);
		LLVMBasicBlockRef have = cg_block(c, "cpu_value"), next = cg_block(c, "cpu_next");
		LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), next, have);
		LLVMPositionBuilderAtEnd(c->b, have);
		LLVMValueRef sum = LLVMBuildAdd(c->b, LLVMBuildLoad2(c->b, c->i64, total, ""),
						LLVMBuildLoad2(c->b, c->i64, p, ""), "");
		LLVMBuildStore(c->b, sum, total);
		LLVMBuildBr(c->b, next);
		LLVMPositionBuilderAtEnd(c->b, next);
	}
	return LLVMBuildLoad2(c->b, c->i64, total, "");
}

/* for ($kv : @map): long cb(struct bpf_map *map, void *key, void *value, void *ctx);
 * $kv is a copy laid out as the (key, value) tuple. */
void cg_for_map(struct cg *c, struct ast *n)
{
	static const char *const pnames[4] = { "map", "key", "value", "ctx" };
	int dm = cg_user_map(c, n->for_.iter->map.name);
	const struct ty *kvt = n->for_.var->type;
	struct cg_var *own = cg_var_find(c, n->for_.var->ident.name);
	if (own && own->loop == n && !own->slot) {
		/* the loop's own variable: room from here, which the statements
		 * after this one reuse */
		own->slot = cg_tmp(c, ty_size(kvt));
		cg_memset(c, own->slot, 8, ty_size(kvt));
	}
	struct cb cb;
	cb_begin(c, n, &cb, "for_each", 4, pnames, false, NULL);
	struct cg_var *kv = cg_var_find(c, n->for_.var->ident.name);
	const struct ty *kt = kvt->fields[0].type, *vt = kvt->fields[1].type;
	cg_memcpy(c, cg_gep(c, kv->slot, kvt->fields[0].offset), 1, LLVMGetParam(cb.fn, 1), 8, ty_size(kt));
	if (c->desc->maps[dm].value->kind == TY_AGG) {
		LLVMValueRef total = cg_agg_total(c, dm, LLVMGetParam(cb.fn, 1));
		cg_store_int(c, cg_gep(c, kv->slot, kvt->fields[1].offset), total, 8);
	} else {
		cg_memcpy(c, cg_gep(c, kv->slot, kvt->fields[1].offset), 1, LLVMGetParam(cb.fn, 2), 8, ty_size(vt));
	}
	cb_body_end(c, n->for_.body, &cb);
	LLVMValueRef args[4] = { cg_map_ptr(c, dm), cb.fn, cb.pass, cg_const(c, 0) };
	cg_helper(c, (enum cg_helper)H_FOR_EACH_MAP_ELEM, c->i64, args, 4);
	cb_after(c, &cb);
}

/* for ($i : lo..hi) through bpf_loop: long cb(u64 index, void *ctx), $i =
 * lo + index; hi - lo iterations (none when hi <= lo), at most bpf_loop's
 * 1 << 23. */
void cg_for_range_callback(struct cg *c, struct ast *n)
{
	static const char *const pnames[2] = { "index", "ctx" };
	LLVMValueRef lo = cg_scalar(c, n->for_.iter->range.lo);
	LLVMValueRef hi = cg_scalar(c, n->for_.iter->range.hi);
	LLVMValueRef more = LLVMBuildICmp(c->b, LLVMIntSGT, hi, lo, "");
	LLVMValueRef count = LLVMBuildSelect(c->b, more, LLVMBuildSub(c->b, hi, lo, ""), cg_const(c, 0), "");
	LLVMValueRef big = LLVMBuildICmp(c->b, LLVMIntUGT, count, cg_const(c, 1u << 23), "");
	count = LLVMBuildSelect(c->b, big, cg_const(c, 1u << 23), count, "");
	struct cb cb;
	cb_begin(c, n, &cb, "range", 2, pnames, true, lo);
	struct cg_var *v = cg_var_find(c, n->for_.var->ident.name);
	LLVMBuildStore(c->b, LLVMBuildAdd(c->b, cb.extra_in, LLVMGetParam(cb.fn, 0), ""), v->slot);
	cb_body_end(c, n->for_.body, &cb);
	LLVMValueRef args[4] = { LLVMBuildTrunc(c->b, count, c->i32, ""), cb.fn, cb.pass, cg_const(c, 0) };
	cg_helper(c, (enum cg_helper)H_LOOP, c->i64, args, 4);
	/* after the loop $i holds hi, as the counted loop leaves it */
	LLVMBuildStore(c->b, LLVMBuildSelect(c->b, more, hi, lo, ""), v->slot);
	cb_after(c, &cb);
}

/* len(@m): bpf_for_each_map_elem returns how many entries it walked; the
 * callback only says go on. One such callback per module. */
struct cg_val cg_emit_len(struct cg *c, struct ast *n)
{
	if (cg_type(n->call.args)->kind == TY_STACK) {
		/* the frame count the stack value carries (cg_kstack) */
		struct cg_val v = cg_expr(c, n->call.args);
		LLVMValueRef f = LLVMBuildLoad2(c->b, c->i32, cg_gep(c, v.v, 12), "");
		return cg_val_scalar(LLVMBuildZExt(c->b, f, c->i64, ""));
	}
	static const char *const pnames[4] = { "map", "key", "value", "ctx" };
	int dm = cg_user_map(c, n->call.args->map.name);
	LLVMValueRef fn = LLVMGetNamedFunction(c->mod, "map_len_walk");
	if (!fn) {
		LLVMTypeRef params[4] = { c->ptr, c->ptr, c->ptr, c->ptr };
		fn = LLVMAddFunction(c->mod, "map_len_walk", LLVMFunctionType(c->i64, params, 4, false));
		LLVMSetLinkage(fn, LLVMInternalLinkage);
		LLVMSetSection(fn, ".text");
		const char *attrs[] = { "nounwind", "noinline" };
		for (unsigned i = 0; i < 2; i++) {
			unsigned kind = LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i]));
			LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, kind, 0));
		}
		LLVMMetadataRef lng = LLVMDIBuilderCreateBasicType(c->di, "long", 4, 64, 5, 0);
		LLVMMetadataRef dps[5] = { lng, c->di_ptr, c->di_ptr, c->di_ptr, c->di_ptr };
		LLVMMetadataRef fty = LLVMDIBuilderCreateSubroutineType(c->di, c->difile, dps, 5, 0);
		LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(c->di, c->difile, "map_len_walk", 12, "map_len_walk", 12,
								 c->difile, n->span.line, fty, true, true, n->span.line, 0, true);
		LLVMSetSubprogram(fn, sp);
		for (unsigned i = 0; i < 4; i++)
			LLVMDIBuilderCreateParameterVariable(c->di, sp, pnames[i], strlen(pnames[i]), i + 1, c->difile,
							     n->span.line, c->di_ptr, true, 0);
		LLVMBasicBlockRef cur = LLVMGetInsertBlock(c->b);
		LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(c->b);
		LLVMSetCurrentDebugLocation2(c->b, NULL);
		LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(c->ctx, fn, "entry");
		LLVMPositionBuilderAtEnd(c->b, entry);
		LLVMSetCurrentDebugLocation2(c->b, LLVMDIBuilderCreateDebugLocation(c->ctx, n->span.line, 1, sp, NULL));
		LLVMBuildRet(c->b, cg_const(c, 0));
		LLVMPositionBuilderAtEnd(c->b, cur);
		LLVMSetCurrentDebugLocation2(c->b, loc);
	}
	LLVMValueRef args[4] = { cg_map_ptr(c, dm), fn, LLVMConstNull(c->ptr), cg_const(c, 0) };
	return (struct cg_val){ cg_helper(c, (enum cg_helper)H_FOR_EACH_MAP_ELEM, c->i64, args, 4), false, 8 };
}
