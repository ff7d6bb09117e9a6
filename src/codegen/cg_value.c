/* cg_value: emitters of the functions that convert or reinterpret a value: bswap,
 * buf, ntop, pton; and signal. Rows of builtin.def. */
#include <arpa/inet.h>
#include <string.h>

#include "codegen/cg_impl.h"

/* bswap: llvm.bswap at the argument's width (the BPF backend emits be16/32/64). */
struct cg_val cg_emit_bswap(struct cg *c, struct ast *n)
{
	LLVMValueRef v = cg_scalar(c, n->call.args);
	uint32_t size = cg_type(n)->size;
	if (size < 2)
		return cg_val_scalar(LLVMBuildAnd(c->b, v, cg_const(c, 0xff), ""));
	LLVMTypeRef it = LLVMIntTypeInContext(c->ctx, 8 * size);
	unsigned id = LLVMLookupIntrinsicID("llvm.bswap", 10);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(c->mod, id, &it, 1);
	LLVMValueRef x = size < 8 ? LLVMBuildTrunc(c->b, v, it, "") : v;
	LLVMValueRef r = LLVMBuildCall2(c->b, LLVMIntrinsicGetType(c->ctx, id, &it, 1), fn, &x, 1, "");
	return cg_val_scalar(size < 8 ? LLVMBuildZExt(c->b, r, c->i64, "") : r);
}

/* buf: u32 length, then the bytes: copied from an array or string the
 * program holds, read through a pointer or address otherwise. */
struct cg_val cg_emit_buf(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args;
	const struct ty *at = cg_type(a);
	uint32_t len = cg_type(n)->size - 4;
	LLVMValueRef out = cg_tmp(c, cg_type(n)->size);
	cg_store_int(c, out, LLVMConstInt(c->i32, len, false), 4);
	if (!len)
		return cg_val_mem(out);
	if (at->kind == TY_ARRAY || at->kind == TY_STRING) {
		struct cg_val v = cg_expr(c, a);
		uint32_t have = ty_size(at) < len ? ty_size(at) : len;
		cg_memcpy(c, cg_gep(c, out, 4), 4, v.v, v.align, have);
		if (have < len)
			cg_memset(c, cg_gep(c, out, 4 + have), cg_align_of(4 + have, 8), len - have);
		return cg_val_mem(out);
	}
	enum ty_addrspace as = at->as;   /* a pointer's, or kptr()/uptr()'s on an integer */
	LLVMValueRef addr = cg_scalar(c, a);
	struct ast *l = a->next;
	if (l && l->kind != AST_INT) {
		/* a run-time length, capped at the buffer's size: the verifier
		 * needs the read's size bounded */
		LLVMValueRef n64 = cg_scalar(c, l);
		LLVMValueRef big = LLVMBuildICmp(c->b, LLVMIntUGT, n64, cg_const(c, len), "");
		n64 = LLVMBuildSelect(c->b, big, cg_const(c, len), n64, "");
		LLVMValueRef n32 = LLVMBuildTrunc(c->b, n64, c->i32, "");
		cg_store_int(c, out, n32, 4);
		cg_probe_read_n(c, cg_gep(c, out, 4), n32, addr, as);
		return cg_val_mem(out);
	}
	cg_probe_read(c, cg_gep(c, out, 4), len, addr, as);
	return cg_val_mem(out);
}

/* ntop: { u64 family; u8 addr[16] } (the output module prints it). The
 * family is the one given, else that of the address's size. */
struct cg_val cg_emit_ntop(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args->next ? n->call.args->next : n->call.args;
	const struct ty *at = cg_type(a);
	bool bytes = at->kind == TY_ARRAY || at->kind == TY_STRING;
	uint32_t size = bytes ? ty_size(at) : 4;
	LLVMValueRef out = cg_tmp(c, 24);
	cg_memset(c, out, 8, 24);
	LLVMValueRef fam = n->call.args->next ? cg_scalar(c, n->call.args)
					      : cg_const(c, size == 16 ? AF_INET6 : AF_INET);
	cg_store_int(c, out, fam, 8);
	if (bytes) {
		struct cg_val v = cg_expr(c, a);
		cg_memcpy(c, cg_gep(c, out, 8), 8, v.v, v.align, size);
	} else {
		/* an IPv4 address held in an integer: its bytes in memory order */
		cg_store_int(c, cg_gep(c, out, 8), cg_scalar(c, a), 4);
	}
	return cg_val_mem(out);
}

/* pton: the literal's bytes, parsed here as sema did. */
struct cg_val cg_emit_pton(struct cg *c, struct ast *n)
{
	unsigned char bytes[16] = { 0 };
	uint32_t size = ty_size(cg_type(n));
	inet_pton(size == 16 ? AF_INET6 : AF_INET, n->call.args->str.s, bytes);
	return (struct cg_val){ cg_const_bytes(c, (const char *)bytes, size, size), true, 1 };
}

/* signal: bpf_send_signal to the current task. */
struct cg_val cg_emit_signal(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args;
	LLVMValueRef sig = a->kind == AST_STRING ? cg_const(c, (uint64_t)sema_signal_number(a->str.s))
						 : cg_scalar(c, a);
	LLVMValueRef arg = LLVMBuildTrunc(c->b, sig, c->i32, "");
	cg_helper(c, H_SEND_SIGNAL, c->i64, &arg, 1);
	return cg_val_scalar(cg_const(c, 0));
}

/* write_user: the source's bytes (an integer's stored first), a run-time
 * length bounded by their size for the verifier; true when the helper
 * wrote them. */
struct cg_val cg_emit_write_user(struct cg *c, struct ast *n)
{
	struct ast *d = n->call.args, *s = d->next, *l = s->next;
	LLVMValueRef dst = LLVMBuildIntToPtr(c->b, cg_scalar(c, d), c->ptr, "");
	const struct ty *st = cg_type(s);
	LLVMValueRef src;
	uint32_t room;
	if (cg_is_mem(st)) {
		src = cg_expr(c, s).v;
		room = ty_size(st);
	} else {
		src = cg_tmp(c, 8);
		cg_store_int(c, src, cg_scalar(c, s), 8);
		room = 8;
	}
	LLVMValueRef len = cg_scalar(c, l);
	LLVMValueRef ok = LLVMBuildICmp(c->b, LLVMIntULE, len, cg_const(c, room), "");
	len = LLVMBuildSelect(c->b, ok, len, cg_const(c, room), "");
	LLVMValueRef args[3] = { dst, src, LLVMBuildTrunc(c->b, len, c->i32, "") };
	LLVMValueRef r = cg_helper(c, H_PROBE_WRITE_USER, c->i64, args, 3);
	return cg_val_scalar(LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, r, cg_const(c, 0), ""), c->i64, ""));
}

/* macaddr: the 6 bytes, copied from a value the program holds or read
 * through a pointer or address. */
struct cg_val cg_emit_macaddr(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args;
	const struct ty *at = cg_type(a);
	LLVMValueRef out = cg_tmp(c, 8);
	if (at->kind == TY_ARRAY || at->kind == TY_STRING) {
		struct cg_val v = cg_expr(c, a);
		cg_memcpy(c, out, 8, v.v, v.align, 6);
	} else {
		cg_probe_read(c, out, 6, cg_scalar(c, a), at->kind == TY_PTR ? at->as : TY_AS_NONE);
	}
	return cg_val_mem(out);
}

struct cg_val cg_emit_strerror(struct cg *c, struct ast *n)
{
	return cg_val_scalar(cg_scalar(c, n->call.args));
}

/* signal_name: a switch over the signal numbers, each case storing its name
 * into the result; the names are strsignal(3)'s, taken when compiling. */
struct cg_val cg_emit_signal_name(struct cg *c, struct ast *n)
{
	enum { NSIGNALS = 65, SIZE = 32 };
	LLVMValueRef sig = LLVMBuildTrunc(c->b, cg_scalar(c, n->call.args), c->i32, "");
	LLVMValueRef out = cg_tmp(c, SIZE);
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(c->ctx, c->fn, "signame.done");
	LLVMBasicBlockRef other = LLVMAppendBasicBlockInContext(c->ctx, c->fn, "signame.na");
	LLVMValueRef sw = LLVMBuildSwitch(c->b, sig, other, NSIGNALS);
	for (unsigned i = 0; i < NSIGNALS; i++) {
		LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(c->ctx, c->fn, "signame");
		LLVMAddCase(sw, LLVMConstInt(c->i32, i, false), bb);
		LLVMPositionBuilderAtEnd(c->b, bb);
		const char *name = strsignal((int)i);
		size_t len = strlen(name);
		cg_const_bytes_at(c, out, name, len < SIZE ? (uint32_t)len + 1 : SIZE - 1, SIZE);
		LLVMBuildBr(c->b, done);
	}
	LLVMPositionBuilderAtEnd(c->b, other);
	cg_const_bytes_at(c, out, "N/A", 4, SIZE);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	return cg_val_mem(out);
}

/* debugf: bpf_trace_printk(fmt, size, up to three u64s); strings and other
 * values held in memory pass as their address, for the kernel's %s. */
struct cg_val cg_emit_debugf(struct cg *c, struct ast *n)
{
	struct ast *f = n->call.args;
	uint32_t len = f->str.len + 1;
	LLVMValueRef args[5] = { cg_const_bytes(c, f->str.s, len, len), LLVMConstInt(c->i32, len, false) };
	unsigned k = 2;
	for (struct ast *a = f->next; a && k < 5; a = a->next, k++)
		args[k] = cg_is_mem(cg_type(a)) ? LLVMBuildPtrToInt(c->b, cg_expr(c, a).v, c->i64, "") : cg_scalar(c, a);
	cg_helper(c, H_TRACE_PRINTK, c->i64, args, k);
	return cg_val_scalar(cg_const(c, 0));
}

/* cgroup_path: { u64 reserved; u64 id } (the output module finds the path). */
struct cg_val cg_emit_cgroup_path(struct cg *c, struct ast *n)
{
	LLVMValueRef out = cg_tmp(c, 16);
	cg_store_int(c, out, cg_const(c, 0), 8);
	cg_store_int(c, cg_gep(c, out, 8), cg_scalar(c, n->call.args), 8);
	return cg_val_mem(out);
}

/* kptr, uptr: the value itself; its type carries the address space. */
struct cg_val cg_emit_addrspace(struct cg *c, struct ast *n)
{
	return cg_val_scalar(cg_scalar(c, n->call.args));
}

/* strlen: a bounded loop to the first NUL (the verifier follows i < size). */
struct cg_val cg_emit_strlen(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args;
	uint32_t size = cg_type(a)->size;
	struct cg_val s = cg_expr(c, a);
	LLVMValueRef i = cg_alloca(c, 8);
	LLVMBuildStore(c->b, cg_const(c, 0), i);
	LLVMBasicBlockRef head = cg_block(c, "strlen_cond"), byte = cg_block(c, "strlen_byte"),
			  next = cg_block(c, "strlen_next"), done = cg_block(c, "strlen_end");
	LLVMBuildBr(c->b, head);
	LLVMPositionBuilderAtEnd(c->b, head);
	LLVMValueRef k = LLVMBuildLoad2(c->b, c->i64, i, "");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntULT, k, cg_const(c, size), ""), byte, done);
	LLVMPositionBuilderAtEnd(c->b, byte);
	LLVMValueRef p = LLVMBuildGEP2(c->b, c->i8, s.v, &k, 1, "");
	LLVMValueRef ch = LLVMBuildLoad2(c->b, c->i8, p, "");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, ch, LLVMConstInt(c->i8, 0, false), ""), done, next);
	LLVMPositionBuilderAtEnd(c->b, next);
	LLVMBuildStore(c->b, LLVMBuildAdd(c->b, k, cg_const(c, 1), ""), i);
	LLVMBuildBr(c->b, head);
	LLVMPositionBuilderAtEnd(c->b, done);
	return cg_val_scalar(LLVMBuildLoad2(c->b, c->i64, i, ""));
}
