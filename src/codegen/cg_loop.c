/* cg_loop: for ($kv : @map), a body run as the callback of bpf_for_each_map_elem. */
#include <string.h>

#include "codegen/cg_impl.h"

enum { H_FOR_EACH_MAP_ELEM = 164 };

/* The probe's state that a callback function replaces while its body is built. */
struct fn_state {
	LLVMValueRef fn, ctxarg, scratch;
	LLVMBasicBlockRef entry, prologue, body, at;
	LLVMMetadataRef sp;
	unsigned nloops;
	LLVMValueRef *slots;
};

/* The caller passes its context pointer and the address of every variable
 * in a stack array; the callback loads them back (the verifier follows
 * pointers spilled to the caller's stack), so the body reads and writes the
 * probe's own variables. Temporaries continue the caller's scratch offsets
 * and stack budget: both frames' values are live at once. */
void cg_return(struct cg *c)
{
	if (c->ret_flag) {
		LLVMBuildStore(c->b, cg_const(c, 1), c->ret_flag);
		LLVMBuildRet(c->b, cg_const(c, 1));
		return;
	}
	LLVMBuildRet(c->b, cg_const(c, 0));
}

void cg_for_map(struct cg *c, struct ast *n)
{
	static unsigned ncb;
	struct ast *m = n->for_.iter;
	int dm = cg_user_map(c, m->map.name);
	const struct ty *kvt = n->for_.var->type;
	unsigned nv = c->nvars;

	/* [0] the context, [1..nv] the variables, [nv + 1] the return flag */
	LLVMValueRef pass = cg_alloca(c, 8 * (nv + 2));
	LLVMValueRef flag = cg_alloca(c, 8);
	LLVMBuildStore(c->b, cg_const(c, 0), flag);
	LLVMBuildStore(c->b, flag, cg_gep(c, pass, 8 * (nv + 1)));
	LLVMBuildStore(c->b, c->ctxarg, pass);
	for (unsigned i = 0; i < nv; i++)
		LLVMBuildStore(c->b, c->vars[i].slot, cg_gep(c, pass, 8 * (i + 1)));

	struct fn_state saved = { c->fn, c->ctxarg, c->scratch, c->entry, c->prologue, c->body,
				  LLVMGetInsertBlock(c->b), c->sp, c->nloops, NULL };
	LLVMValueRef saved_flag = c->ret_flag;
	saved.slots = arena_alloc(c->a, (nv + 1) * sizeof(LLVMValueRef));
	for (unsigned i = 0; i < nv; i++)
		saved.slots[i] = c->vars[i].slot;
	struct span at = c->at;

	/* long cb(struct bpf_map *map, void *key, void *value, void *ctx) */
	const char *name = arena_printf(c->a, "for_each_%u", ncb++);
	LLVMTypeRef params[4] = { c->ptr, c->ptr, c->ptr, c->ptr };
	LLVMValueRef fn = LLVMAddFunction(c->mod, name, LLVMFunctionType(c->i64, params, 4, false));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMSetSection(fn, ".text");
	const char *attrs[] = { "nounwind", "noinline" };
	for (unsigned i = 0; i < 2; i++) {
		unsigned kind = LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i]));
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, kind, 0));
	}
	/* BTF func info for the callback, with named parameters (the kernel
	 * rejects unnamed ones: "Invalid arg#1") */
	LLVMMetadataRef lng = LLVMDIBuilderCreateBasicType(c->di, "long", 4, 64, 5, 0);
	LLVMMetadataRef dps[5] = { lng, c->di_ptr, c->di_ptr, c->di_ptr, c->di_ptr };
	LLVMMetadataRef fty = LLVMDIBuilderCreateSubroutineType(c->di, c->difile, dps, 5, 0);
	c->sp = LLVMDIBuilderCreateFunction(c->di, c->difile, name, strlen(name), name, strlen(name), c->difile,
					    n->span.line, fty, true, true, n->span.line, 0, true);
	LLVMSetSubprogram(fn, c->sp);
	static const char *const pnames[4] = { "map", "key", "value", "ctx" };
	for (unsigned i = 0; i < 4; i++)
		LLVMDIBuilderCreateParameterVariable(c->di, c->sp, pnames[i], strlen(pnames[i]), i + 1, c->difile,
						     n->span.line, c->di_ptr, true, 0);

	c->fn = fn;
	c->scratch = NULL;
	c->entry = cg_block(c, "entry");
	c->prologue = cg_block(c, "prologue");
	c->body = cg_block(c, "body");
	LLVMPositionBuilderAtEnd(c->b, c->entry);
	LLVMBuildBr(c->b, c->prologue);
	LLVMPositionBuilderAtEnd(c->b, c->prologue);
	LLVMBuildBr(c->b, c->body);
	LLVMPositionBuilderAtEnd(c->b, c->body);
	cg_location(c, n->span);
	LLVMValueRef in = LLVMGetParam(fn, 3);
	c->ctxarg = LLVMBuildLoad2(c->b, c->ptr, in, "");
	for (unsigned i = 0; i < nv; i++)
		c->vars[i].slot = LLVMBuildLoad2(c->b, c->ptr, cg_gep(c, in, 8 * (i + 1)), "");
	c->ret_flag = LLVMBuildLoad2(c->b, c->ptr, cg_gep(c, in, 8 * (nv + 1)), "");

	/* $kv = (key, value): copies laid out as the tuple */
	struct cg_var *kv = cg_var_find(c, n->for_.var->ident.name);
	const struct ty *kt = kvt->fields[0].type, *vt = kvt->fields[1].type;
	cg_memcpy(c, cg_gep(c, kv->slot, kvt->fields[0].offset), 1, LLVMGetParam(fn, 1), 8, ty_size(kt));
	cg_memcpy(c, cg_gep(c, kv->slot, kvt->fields[1].offset), 1, LLVMGetParam(fn, 2), 8, ty_size(vt));

	/* break stops the walk (1), continue goes on to the next entry (0) */
	LLVMBasicBlockRef brk = cg_block(c, "for_break"), cont = cg_block(c, "for_next");
	c->nloops = 0;
	c->loops[c->nloops++] = (struct cg_loop){ brk, cont };
	cg_stmts(c, n->for_.body->block.stmts);
	LLVMBuildBr(c->b, cont);
	LLVMPositionBuilderAtEnd(c->b, brk);
	LLVMBuildRet(c->b, cg_const(c, 1));
	LLVMPositionBuilderAtEnd(c->b, cont);
	LLVMBuildRet(c->b, cg_const(c, 0));

	c->fn = saved.fn;
	c->ctxarg = saved.ctxarg;
	c->scratch = saved.scratch;
	c->entry = saved.entry;
	c->prologue = saved.prologue;
	c->body = saved.body;
	c->sp = saved.sp;
	c->nloops = saved.nloops;
	c->ret_flag = saved_flag;
	for (unsigned i = 0; i < nv; i++)
		c->vars[i].slot = saved.slots[i];
	LLVMPositionBuilderAtEnd(c->b, saved.at);
	cg_location(c, at);

	LLVMValueRef args[4] = { cg_map_ptr(c, dm), fn, pass, cg_const(c, 0) };
	cg_helper(c, (enum cg_helper)H_FOR_EACH_MAP_ELEM, c->i64, args, 4);
	/* a `return` in the body returns from here too */
	LLVMBasicBlockRef ret = cg_block(c, "for_return"), go = cg_block(c, "for_done");
	LLVMValueRef hit = LLVMBuildICmp(c->b, LLVMIntNE, LLVMBuildLoad2(c->b, c->i64, flag, ""), cg_const(c, 0), "");
	LLVMBuildCondBr(c->b, hit, ret, go);
	LLVMPositionBuilderAtEnd(c->b, ret);
	cg_return(c);
	LLVMPositionBuilderAtEnd(c->b, go);
}
