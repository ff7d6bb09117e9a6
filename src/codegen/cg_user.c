/* cg_user: user-space probe arguments: USDT operands (registers, constants, memory) read from pt_regs. */
#include "codegen/cg_impl.h"

#include "ast/sema.h"

enum ty_addrspace cg_int_as(const struct cg *c)
{
	enum probe_type t = c->exp ? c->exp->type : PROBE_INVALID;
	return t == PROBE_UPROBE || t == PROBE_URETPROBE || t == PROBE_USDT ? TY_AS_USER : TY_AS_NONE;
}

static LLVMValueRef reg(struct cg *c, uint32_t off)
{
	LLVMValueRef idx = LLVMConstInt(c->i64, off, false);
	LLVMValueRef addr = LLVMBuildGEP2(c->b, c->i8, c->ctxarg, &idx, 1, "");
	return cg_load_int(c, addr, ty_int(8, false));
}

/* v narrowed to `size` bytes, then widened back to 64 bits by the operand's sign. */
static LLVMValueRef extend(struct cg *c, LLVMValueRef v, unsigned size, bool is_signed)
{
	if (size >= 8)
		return v;
	LLVMTypeRef t = LLVMIntTypeInContext(c->ctx, size * 8);
	LLVMValueRef n = LLVMBuildTrunc(c->b, v, t, "");
	return is_signed ? LLVMBuildSExt(c->b, n, c->i64, "") : LLVMBuildZExt(c->b, n, c->i64, "");
}

/* argN of a usdt probe, as its note's operand says: "-4@%edi" a register,
 * "8@$5" a constant, "-2@-6(%rbp)" or "8@(%rax,%rdx,8)" user memory. */
LLVMValueRef cg_usdt_arg(struct cg *c, struct ast *n, unsigned i)
{
	const struct rt_usdt_site *s = c->exp->usdt;
	if (s->error) {
		cg_error(c, n->span, "%s: cannot read the probe's arguments: %s", c->exp->name, s->error);
		return cg_const(c, 0);
	}
	if (i >= s->nargs) {
		cg_error(c, n->span, "%s: arg%u: the probe has %u argument%s", c->exp->name, i, s->nargs,
			 s->nargs == 1 ? "" : "s");
		return cg_const(c, 0);
	}
	const struct rt_usdt_arg *a = &s->args[i];
	switch (a->kind) {
	case RT_USDT_CONST:
		return extend(c, cg_const(c, (uint64_t)a->value), a->size, a->is_signed);
	case RT_USDT_REG: {
		LLVMValueRef v = reg(c, a->reg);
		if (a->reg_shift)
			v = LLVMBuildLShr(c->b, v, cg_const(c, a->reg_shift), "");
		return extend(c, v, a->size, a->is_signed);
	}
	case RT_USDT_MEM: {
		LLVMValueRef addr = LLVMBuildAdd(c->b, reg(c, a->reg), cg_const(c, (uint64_t)a->value), "");
		if (a->has_index)
			addr = LLVMBuildAdd(c->b, addr, LLVMBuildMul(c->b, reg(c, a->index),
								    cg_const(c, a->scale), ""), "");
		LLVMValueRef buf = cg_tmp(c, 8);
		cg_store_int(c, buf, cg_const(c, 0), 8);
		LLVMValueRef args[3] = { buf, LLVMConstInt(c->i32, a->size, false),
					 LLVMBuildIntToPtr(c->b, addr, c->ptr, "") };
		cg_helper(c, H_PROBE_READ_USER, c->i64, args, 3);
		return extend(c, cg_load_int(c, buf, ty_int(8, false)), a->size, a->is_signed);
	}
	}
	return cg_const(c, 0);
}

/* The uprobe behind watchpoint:FUNC+argN: the address in argN goes to user
 * space, which opens the breakpoint on it and attaches the watchpoint's
 * program. A synchronous watchpoint also stops the process (the signal
 * lands on the way back to user space, before FUNC runs), so no write
 * escapes the watch; user space continues it once attached. */
void cg_watch_setup(struct cg *c, struct sema_expansion *e)
{
	static const uint32_t arg_regs[] = { 112, 104, 96, 88, 72, 64 }; /* di si dx cx r8 r9 */
	const struct sema_expansion *w = &c->s->exp[e->watch_setup - 1];
	LLVMValueRef addr = reg(c, arg_regs[e->watch_arg < 6 ? e->watch_arg : 0]);
	int ev = cg_event_add(c, DESC_EV_WATCH, e->ap->span);
	c->desc->events[ev].map = (int)(e->watch_setup - 1);
	c->desc->events[ev].size = 16;
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, 16, &done);
	cg_store_int(c, cg_gep(c, rec, 8), addr, 8);
	cg_event_submit(c, rec, true, done);
	if (w->type != PROBE_ASYNCWATCHPOINT) {
		LLVMValueRef sig = LLVMConstInt(c->i32, 19 /* SIGSTOP */, false);
		cg_helper(c, H_SEND_SIGNAL, c->i64, &sig, 1);
	}
	LLVMBuildRet(c->b, cg_const(c, 0));
}

/* unwatch(addr): user space detaches every watch on addr. */
struct cg_val cg_emit_unwatch(struct cg *c, struct ast *n)
{
	int ev = cg_event_add(c, DESC_EV_UNWATCH, n->span);
	c->desc->events[ev].size = 16;
	LLVMValueRef addr = cg_scalar(c, n->call.args);
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, 16, &done);
	cg_store_int(c, cg_gep(c, rec, 8), addr, 8);
	cg_event_submit(c, rec, true, done);
	return (struct cg_val){ cg_const(c, 0), false, 8 };
}
