/* cg_user: user-space probe arguments: USDT operands (registers, constants, memory) read from pt_regs. */
#include "codegen/cg_impl.h"

#include <string.h>

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
	const struct arch_info *ai = arch_info(c->pc->arch);
	const struct sema_expansion *w = &c->s->exp[e->watch_setup - 1];
	LLVMValueRef addr = reg(c, ai->arg_regs[e->watch_arg < ai->nargs ? e->watch_arg : 0]);
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

static bool multi_eligible(const struct sema_expansion *e)
{
	return (e->type == PROBE_UPROBE || e->type == PROBE_URETPROBE) && !e->usdt &&
	       !e->watch_setup && !e->args && e->target && e->offset && !e->pie_vaddr;
}

/* One program per binary for a wildcard's functions when the kernel has
 * uprobe_multi (6.6): the attach is one link instead of a perf event per
 * function, and the program is loaded and verified once. Not when the body
 * reads `args` (each function's differ). */
void cg_multi_groups(struct cg *c)
{
	struct sema *s = c->s;
	if (!s->uprobe_multi)
		return;
	for (unsigned i = 0; i < s->nexp;) {
		struct sema_expansion *e = &s->exp[i];
		unsigned j = i + 1;
		if (multi_eligible(e))
			while (j < s->nexp && multi_eligible(&s->exp[j]) && s->exp[j].ap == e->ap &&
			       s->exp[j].probe == e->probe && !strcmp(s->exp[j].target, e->target))
				j++;
		if (j - i > 1) {
			e->multi_n = j - i;
			for (unsigned k = i + 1; k < j; k++)
				s->exp[k].multi_lead = i + 1;
		}
		i = j;
	}
}

struct cg_val cg_multi_name(struct cg *c, bool func, const struct ty *t)
{
	const struct sema_expansion *e = c->exp;
	uint32_t n = e->multi_n, size = t->size;
	char *bytes = arena_alloc(c->a, (size_t)n * size);
	memset(bytes, 0, (size_t)n * size);
	for (uint32_t k = 0; k < n; k++) {
		const char *sname = func ? e[k].func : e[k].name;
		size_t l = strlen(sname ? sname : "");
		memcpy(bytes + (size_t)k * size, sname ? sname : "", l < size ? l : size - 1);
	}
	const char *gname = arena_printf(c->a, "hawk_names_%u_%s", e->index, func ? "func" : "probe");
	LLVMValueRef g = cg_rodata_global(c, gname, LLVMArrayType(c->i8, n * size),
					  LLVMConstStringInContext(c->ctx, bytes, n * size, true),
					  cg_di_array(c, "char", 8, 6, (uint64_t)n * size));

	/* the cookie is the function's index in the group (a dispatched
	 * syscall body's is its argument); bounded for the verifier */
	LLVMValueRef cookie = c->name_idx ? c->name_idx : cg_helper(c, H_GET_ATTACH_COOKIE, c->i64, &c->ctxarg, 1);
	LLVMValueRef idx = cg_alloca(c, 8);
	LLVMBuildStore(c->b, cg_const(c, 0), idx);
	LLVMBasicBlockRef in = cg_block(c, "name_in"), out = cg_block(c, "name_out");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntULT, cookie, cg_const(c, n), ""), in, out);
	LLVMPositionBuilderAtEnd(c->b, in);
	LLVMBuildStore(c->b, cookie, idx);
	LLVMBuildBr(c->b, out);
	LLVMPositionBuilderAtEnd(c->b, out);
	LLVMValueRef off = LLVMBuildMul(c->b, LLVMBuildLoad2(c->b, c->i64, idx, ""), cg_const(c, size), "");
	LLVMValueRef src = LLVMBuildGEP2(c->b, c->i8, g, &off, 1, "");
	LLVMValueRef buf = cg_tmp(c, size);
	cg_memcpy(c, buf, 8, src, 1, size);
	return (struct cg_val){ buf, true, 8 };
}

/* reg("name"): the register's slot in struct pt_regs (checked by sema). */
/* uaddr("sym"): sema made the argument the symbol's link-time address; in
 * a position-independent binary the load bias is added, the instruction
 * pointer the probe fired at less that instruction's link-time address. */
struct cg_val cg_emit_uaddr(struct cg *c, struct ast *n)
{
	LLVMValueRef v = cg_scalar(c, n->call.args);
	if (!c->exp->pie_vaddr)
		return cg_val_scalar(v);
	int off = arch_reg_offset(arch_info(c->pc->arch), "ip");
	LLVMValueRef bias = LLVMBuildSub(c->b, reg(c, off < 0 ? 0 : (uint32_t)off), cg_const(c, c->exp->pie_vaddr), "");
	return cg_val_scalar(LLVMBuildAdd(c->b, v, bias, ""));
}

struct cg_val cg_emit_reg(struct cg *c, struct ast *n)
{
	int off = arch_reg_offset(arch_info(c->pc->arch), n->call.args->str.s);
	return (struct cg_val){ reg(c, off < 0 ? 0 : (uint32_t)off), false, 8 };
}
