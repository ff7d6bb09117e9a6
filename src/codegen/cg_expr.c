/* cg_expr: expressions to LLVM IR: scalars as i64, everything else as bytes in memory. */
#include <stdlib.h>
#include <string.h>

#include "codegen/cg_impl.h"

/* Memory hawk allocated itself (stack, scratch, map values): 8-aligned. */
static struct cg_val mem_at(LLVMValueRef v, unsigned align)
{
	return (struct cg_val){ v, true, align };
}

LLVMValueRef cg_bool(struct cg *c, LLVMValueRef v)
{
	return LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntNE, v, cg_const(c, 0), ""), c->i64, "");
}

/* A string literal's bytes stored 8 at a time: no .rodata needed. */
LLVMValueRef cg_const_bytes(struct cg *c, const char *s, uint32_t len, uint32_t size)
{
	LLVMValueRef p = cg_tmp(c, size);
	cg_const_bytes_at(c, p, s, len, size);
	return p;
}

void cg_const_bytes_at(struct cg *c, LLVMValueRef p, const char *s, uint32_t len, uint32_t size)
{
	uint32_t words = (size + 7) / 8;
	for (uint32_t w = 0; w < words; w++) {
		uint64_t v = 0;
		for (uint32_t i = 0; i < 8; i++) {
			uint32_t k = w * 8 + i;
			if (k < len)
				v |= (uint64_t)(unsigned char)s[k] << (8 * i);
		}
		if (w * 8 + 8 <= size || size % 8 == 0)
			cg_store_int(c, cg_gep(c, p, w * 8), cg_const(c, v), 8);
		else
			for (uint32_t i = 0; w * 8 + i < size; i++)
				cg_store_int(c, cg_gep(c, p, w * 8 + i), cg_const(c, (v >> (8 * i)) & 0xff), 1);
	}
}

/* Store v (of type src_t) into dst laid out as dst_t: ints by size, strings
 * zero-padded to the destination's capacity, tuples element by element. */
void cg_store_value(struct cg *c, LLVMValueRef dst, unsigned dst_align, const struct ty *dst_t, struct cg_val v,
		    const struct ty *src_t)
{
	if (!v.mem) {
		uint32_t size = dst_t->kind == TY_BOOL ? 1 : ty_size(dst_t);
		cg_store_int(c, dst, v.v, size);
		return;
	}
	uint32_t ds = ty_size(dst_t), ss = ty_size(src_t);
	if (ty_equal(dst_t, src_t)) {
		cg_memcpy(c, dst, dst_align, v.v, v.align, ds);
		return;
	}
	if (dst_t->kind == TY_TUPLE && src_t->kind == TY_TUPLE && dst_t->count == src_t->count) {
		cg_memset(c, dst, dst_align, ds);
		for (uint32_t i = 0; i < dst_t->count; i++) {
			const struct ty *dt = dst_t->fields[i].type, *st = src_t->fields[i].type;
			uint32_t so = src_t->fields[i].offset, dof = dst_t->fields[i].offset;
			LLVMValueRef src = cg_gep(c, v.v, so);
			struct cg_val ev = cg_is_mem(st) ? mem_at(src, cg_align_of(so, v.align))
						      : cg_val_scalar(cg_load_int(c, src, st));
			cg_store_value(c, cg_gep(c, dst, dof), cg_align_of(dof, dst_align), dt, ev, st);
		}
		return;
	}
	if (dst_t->kind == TY_RECORD && src_t->kind == TY_RECORD && !dst_t->name && !src_t->name &&
	    dst_t->count == src_t->count) {
		/* script records with the same fields, matched by name */
		cg_memset(c, dst, dst_align, ds);
		for (uint32_t i = 0; i < dst_t->count; i++) {
			const struct ty_field *sf = NULL;
			for (uint32_t j = 0; j < src_t->count && !sf; j++)
				if (!strcmp(src_t->fields[j].name, dst_t->fields[i].name))
					sf = &src_t->fields[j];
			if (!sf)
				continue;
			const struct ty *dt = dst_t->fields[i].type, *st = sf->type;
			uint32_t dof = dst_t->fields[i].offset;
			LLVMValueRef src = cg_gep(c, v.v, sf->offset);
			struct cg_val ev = cg_is_mem(st) ? mem_at(src, cg_align_of(sf->offset, v.align))
						      : cg_val_scalar(cg_load_int(c, src, st));
			cg_store_value(c, cg_gep(c, dst, dof), cg_align_of(dof, dst_align), dt, ev, st);
		}
		return;
	}
	cg_memset(c, dst, dst_align, ds);
	cg_memcpy(c, dst, dst_align, v.v, v.align, ss < ds ? ss : ds);
	if (dst_t->kind == TY_STRING && ss > ds && ds)
		cg_store_int(c, cg_gep(c, dst, ds - 1), cg_const(c, 0), 1);
}

/* ---- variables ---- */

struct cg_var *cg_var_find(struct cg *c, const char *name)
{
	for (unsigned i = 0; i < c->nvars; i++)
		if (!strcmp(c->vars[i].name, name))
			return &c->vars[i];
	return NULL;
}

struct cg_var *cg_var_add(struct cg *c, const char *name, const struct ty *t)
{
	c->vars = arena_grow(c->a, c->vars, c->nvars, &c->capvars, sizeof(*c->vars));
	struct cg_var *v = &c->vars[c->nvars++];
	v->name = name;
	v->type = t;
	v->slot = cg_is_mem(t) ? cg_tmp(c, ty_size(t)) : cg_alloca(c, 8);
	if (cg_is_mem(t))
		c->scratch_keep = c->scratch_off;
	return v;
}

/* ---- maps ---- */

void cg_store_expr(struct cg *c, LLVMValueRef dst, unsigned dst_align, const struct ty *dst_t, struct ast *n)
{
	if (n->kind == AST_BUILTIN && n->ident.bi == BI_COMM && dst_t->kind == TY_STRING &&
	    dst_t->size >= 16) {
		/* bpf_get_current_comm pads its 16 bytes with zeros itself */
		LLVMValueRef args[2] = { dst, LLVMConstInt(c->i32, 16, false) };
		cg_helper(c, H_COMM, c->i64, args, 2);
		if (dst_t->size > 16)
			cg_memset(c, cg_gep(c, dst, 16), cg_align_of(16, dst_align), dst_t->size - 16);
		return;
	}
	if (n->kind == AST_CALL && n->call.bi == BI_STR && dst_t->kind == TY_STRING &&
	    cg_type(n->call.args)->kind != TY_STRING && dst_t->size >= cg_type(n)->size) {
		LLVMValueRef buf = cg_str_read(c, n, dst, dst_t->size);
		if (buf != dst)
			cg_store_value(c, dst, dst_align, dst_t, cg_val_mem(buf), cg_type(n));
		return;
	}
	cg_store_value(c, dst, dst_align, dst_t, cg_expr(c, n), cg_type(n));
}

/* Whether storing every field of a key leaves bytes unwritten (padding), which
 * must be zeroed so that equal keys hash alike. Strings are written whole. */
static bool has_gaps(const struct ty *t)
{
	if (t->kind != TY_TUPLE)
		return false;
	uint32_t end = 0;
	for (uint32_t i = 0; i < t->count; i++) {
		if (t->fields[i].offset != end || has_gaps(t->fields[i].type))
			return true;
		end = t->fields[i].offset + ty_size(t->fields[i].type);
	}
	return end != t->size;
}

/* The key bytes for @m[...]: zeroed first where padding or the 8-byte
 * alignment before a hist bucket would otherwise hold stack garbage. */
LLVMValueRef cg_map_key(struct cg *c, struct ast *keys, int dm)
{
	struct desc_map *d = &c->desc->maps[dm];
	LLVMValueRef key = cg_tmp(c, d->key_size);
	bool buckets = d->value && d->value->kind == TY_AGG &&
		       (d->value->agg == TY_AGG_HIST || d->value->agg == TY_AGG_LHIST ||
			d->value->agg == TY_AGG_TSERIES);
	const struct ty *kt = d->key;
	bool whole = kt && !has_gaps(kt) && ((ty_size(kt) + 7) & ~7u) + (buckets ? 8 : 0) == d->key_size &&
		     ty_size(kt) % 8 == 0;
	/* A scalar hist's key is just the bucket index, written whole later. */
	if (!(buckets && !keys) && !whole)
		cg_memset(c, key, 8, d->key_size);
	if (!keys)
		return key;
	if (!keys->next) {
		cg_store_expr(c, key, 8, kt, keys);
		return key;
	}
	uint32_t i = 0;
	for (struct ast *k = keys; k; k = k->next, i++)
		cg_store_expr(c, cg_gep(c, key, kt->fields[i].offset), cg_align_of(kt->fields[i].offset, 8),
			      kt->fields[i].type, k);
	return key;
}

static struct cg_val map_read(struct cg *c, struct ast *n)
{
	int dm = cg_user_map(c, n->map.name);
	const struct ty *vt = c->desc->maps[dm].value;
	LLVMValueRef key = cg_map_key(c, n->map.keys, dm);
	if (vt->kind == TY_AGG)
		return cg_val_scalar(cg_agg_total(c, dm, key));
	LLVMValueRef args[2] = { cg_map_ptr(c, dm), key };
	LLVMValueRef p = cg_helper(c, H_MAP_LOOKUP, c->ptr, args, 2);
	LLVMBasicBlockRef found = cg_block(c, "found"), miss = cg_block(c, "miss"), done = cg_block(c, "read");
	/* The result's room before the branch: a scratch address is an
	 * instruction, which must not land after the terminator. */
	LLVMValueRef out = cg_is_mem(vt) ? cg_tmp(c, ty_size(vt)) : NULL;
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), miss, found);
	if (cg_is_mem(vt)) {
		LLVMPositionBuilderAtEnd(c->b, found);
		cg_memcpy(c, out, 8, p, 8, ty_size(vt));
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, miss);
		cg_memset(c, out, 8, ty_size(vt));
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, done);
		return cg_val_mem(out);
	}
	LLVMPositionBuilderAtEnd(c->b, found);
	LLVMValueRef v = cg_load_int(c, p, vt);
	LLVMBasicBlockRef found_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, miss);
	/* -kk: a key that is not there, as bpftrace reports it */
	cg_helper_check(c, 2, n->span, "map_lookup_elem", LLVMConstInt(LLVMInt1TypeInContext(c->ctx), 1, false),
			cg_const(c, 0));
	miss = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "");
	LLVMValueRef vals[2] = { v, cg_const(c, 0) };
	LLVMBasicBlockRef bbs[2] = { found_end, miss };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return cg_val_scalar(phi);
}

struct cg_val cg_const_string(struct cg *c, const char *s, const struct ty *t)
{
	uint32_t len = (uint32_t)strlen(s);
	return cg_val_mem(cg_const_bytes(c, s, len + 1 < t->size ? len + 1 : t->size, t->size));
}

/* ---- operators ---- */

static bool is_signed(const struct ty *t)
{
	return t->kind == TY_INT && t->is_signed;
}

static bool unsigned64(const struct ty *t)
{
	return (t->kind == TY_INT && !t->is_signed && t->size == 8) || t->kind == TY_PTR;
}

/* BPF before cpu v4 has no signed division: divide magnitudes, then fix the
 * sign as C does (quotient toward zero, remainder takes the dividend's sign). */
static LLVMValueRef signed_divmod(struct cg *c, LLVMValueRef l, LLVMValueRef r, bool mod)
{
	LLVMValueRef zero = cg_const(c, 0);
	LLVMValueRef ln = LLVMBuildICmp(c->b, LLVMIntSLT, l, zero, "");
	LLVMValueRef rn = LLVMBuildICmp(c->b, LLVMIntSLT, r, zero, "");
	LLVMValueRef la = LLVMBuildSelect(c->b, ln, LLVMBuildNeg(c->b, l, ""), l, "");
	LLVMValueRef ra = LLVMBuildSelect(c->b, rn, LLVMBuildNeg(c->b, r, ""), r, "");
	if (mod) {
		LLVMValueRef m = LLVMBuildURem(c->b, la, ra, "");
		return LLVMBuildSelect(c->b, ln, LLVMBuildNeg(c->b, m, ""), m, "");
	}
	LLVMValueRef q = LLVMBuildUDiv(c->b, la, ra, "");
	LLVMValueRef neg = LLVMBuildXor(c->b, ln, rn, "");
	return LLVMBuildSelect(c->b, neg, LLVMBuildNeg(c->b, q, ""), q, "");
}

/* l / r and l % r. A zero divisor (sema refuses a literal one) yields 1
 * and a warning at the operator, as current bpftrace does; the division
 * itself only runs on a non-zero divisor, so nothing relies on what BPF's
 * division by zero gives. */
static const char divzero_msg[] = "Divide or modulo by 0 detected. This can lead to unexpected results. "
				  "1 is being used as the result.";
static LLVMValueRef divmod(struct cg *c, struct ast *n, LLVMValueRef l, LLVMValueRef r, bool sgn)
{
	bool mod = n->binary.op == AST_OP_MOD;
	LLVMBasicBlockRef zero = cg_block(c, "div_zero"), ok = cg_block(c, "div_ok"), join = cg_block(c, "div");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, r, cg_const(c, 0), ""), zero, ok);
	LLVMPositionBuilderAtEnd(c->b, ok);
	LLVMValueRef v = sgn ? signed_divmod(c, l, r, mod)
			     : mod ? LLVMBuildURem(c->b, l, r, "") : LLVMBuildUDiv(c->b, l, r, "");
	LLVMBasicBlockRef ok_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, join);

	LLVMPositionBuilderAtEnd(c->b, zero);
	int ev = cg_event_add(c, DESC_EV_WARNING, n->span);
	c->desc->events[ev].fmt = divzero_msg;
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, sizeof(struct desc_event_hdr), &done);
	cg_event_submit(c, rec, false, done);
	LLVMBasicBlockRef zero_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, join);

	LLVMPositionBuilderAtEnd(c->b, join);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "");
	LLVMValueRef vals[2] = { v, cg_const(c, 1) };
	LLVMBasicBlockRef from[2] = { ok_end, zero_end };
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

/* Strings are equal when their bytes agree up to and including the first
 * NUL of either, within the smaller capacity; past it, the longer one must
 * end there. */
static LLVMValueRef string_eq(struct cg *c, LLVMValueRef a, uint32_t asz, LLVMValueRef b, uint32_t bsz)
{
	uint32_t n = asz < bsz ? asz : bsz;
	LLVMBasicBlockRef done;
	LLVMValueRef differ = cg_bytes_compare(c, a, b, n, &done);
	if (asz != bsz) {
		LLVMValueRef longer = asz > bsz ? a : b;
		LLVMValueRef z = cg_load_int(c, cg_gep(c, longer, n), ty_int(1, false));
		LLVMBuildStore(c->b, LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntNE, z, cg_const(c, 0), ""),
						    c->i64, ""), differ);
	}
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	return LLVMBuildXor(c->b, LLVMBuildLoad2(c->b, c->i64, differ, ""), cg_const(c, 1), "");
}

static struct cg_val logical(struct cg *c, struct ast *n)
{
	bool is_and = n->binary.op == AST_OP_LAND;
	LLVMValueRef l = cg_bool(c, cg_scalar(c, n->binary.l));
	LLVMBasicBlockRef lhs_end = LLVMGetInsertBlock(c->b);
	LLVMBasicBlockRef rhs = cg_block(c, is_and ? "and_rhs" : "or_rhs"), done = cg_block(c, "logic");
	LLVMValueRef test = LLVMBuildICmp(c->b, LLVMIntNE, l, cg_const(c, 0), "");
	LLVMBuildCondBr(c->b, test, is_and ? rhs : done, is_and ? done : rhs);
	LLVMPositionBuilderAtEnd(c->b, rhs);
	LLVMValueRef r = cg_bool(c, cg_scalar(c, n->binary.r));
	LLVMBasicBlockRef rhs_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "");
	LLVMValueRef vals[2] = { cg_const(c, is_and ? 0 : 1), r };
	LLVMBasicBlockRef bbs[2] = { lhs_end, rhs_end };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return cg_val_scalar(phi);
}

static struct cg_val binary(struct cg *c, struct ast *n)
{
	enum ast_op op = n->binary.op;
	if (op == AST_OP_LAND || op == AST_OP_LOR)
		return logical(c, n);
	const struct ty *lt = cg_type(n->binary.l), *rt = cg_type(n->binary.r);
	if ((op == AST_OP_EQ || op == AST_OP_NE) && lt->kind == TY_STRING) {
		struct cg_val a = cg_expr(c, n->binary.l), b = cg_expr(c, n->binary.r);
		LLVMValueRef eq = string_eq(c, a.v, lt->size, b.v, rt->size);
		if (op == AST_OP_NE)
			eq = LLVMBuildXor(c->b, eq, cg_const(c, 1), "");
		return cg_val_scalar(eq);
	}
	if ((op == AST_OP_EQ || op == AST_OP_NE) && lt->kind == TY_BUFFER) {
		/* buf() values: equal lengths, and equal bytes below the length
		 * (past it a run-time length leaves whatever was there) */
		struct cg_val a = cg_expr(c, n->binary.l), b = cg_expr(c, n->binary.r);
		LLVMValueRef la = cg_load_int(c, a.v, ty_int(4, false)), lb = cg_load_int(c, b.v, ty_int(4, false));
		LLVMValueRef diff = LLVMBuildXor(c->b, la, lb, "");
		uint32_t cap = (lt->size < rt->size ? lt->size : rt->size) - 4;
		for (uint32_t i = 0; i < cap; i++) {
			const struct ty *u8 = ty_int(1, false);
			LLVMValueRef x = LLVMBuildXor(c->b, cg_load_int(c, cg_gep(c, a.v, 4 + i), u8),
						      cg_load_int(c, cg_gep(c, b.v, 4 + i), u8), "");
			LLVMValueRef in = LLVMBuildICmp(c->b, LLVMIntULT, cg_const(c, i), la, "");
			diff = LLVMBuildOr(c->b, diff, LLVMBuildSelect(c->b, in, x, cg_const(c, 0), ""), "");
		}
		LLVMValueRef eq = LLVMBuildICmp(c->b, op == AST_OP_EQ ? LLVMIntEQ : LLVMIntNE, diff, cg_const(c, 0), "");
		return cg_val_scalar(LLVMBuildZExt(c->b, eq, c->i64, ""));
	}
	if ((op == AST_OP_EQ || op == AST_OP_NE) && lt->kind == TY_ARRAY) {
		/* arrays of one type: equal when every byte is; no padding inside */
		struct cg_val a = cg_expr(c, n->binary.l), b = cg_expr(c, n->binary.r);
		uint32_t size = ty_size(lt);
		unsigned al = a.align < b.align ? a.align : b.align;
		LLVMValueRef diff = cg_const(c, 0);
		for (uint32_t off = 0; off < size;) {
			uint32_t k = size - off >= 8 && cg_align_of(off, al) >= 8 ? 8 :
				     size - off >= 4 && cg_align_of(off, al) >= 4 ? 4 :
				     size - off >= 2 && cg_align_of(off, al) >= 2 ? 2 : 1;
			const struct ty *it = ty_int(k, false);
			LLVMValueRef x = LLVMBuildXor(c->b, cg_load_int(c, cg_gep(c, a.v, off), it),
						      cg_load_int(c, cg_gep(c, b.v, off), it), "");
			diff = LLVMBuildOr(c->b, diff, x, "");
			off += k;
		}
		LLVMValueRef eq = LLVMBuildICmp(c->b, op == AST_OP_EQ ? LLVMIntEQ : LLVMIntNE, diff, cg_const(c, 0), "");
		return cg_val_scalar(LLVMBuildZExt(c->b, eq, c->i64, ""));
	}
	LLVMValueRef l = cg_scalar(c, n->binary.l), r = cg_scalar(c, n->binary.r);
	bool sgn = is_signed(cg_type(n)) || (is_signed(lt) && is_signed(rt));
	bool ucmp = unsigned64(lt) || unsigned64(rt);
	/* Pointer arithmetic steps by the pointee's size. */
	if ((op == AST_OP_ADD || op == AST_OP_SUB) && cg_type(n)->kind == TY_PTR) {
		const struct ty *pt = cg_type(n);
		uint32_t es = pt->elem && pt->elem->kind != TY_VOID ? ty_size(pt->elem) : 1;
		if (lt->kind == TY_PTR)
			r = LLVMBuildMul(c->b, r, cg_const(c, es), "");
		else
			l = LLVMBuildMul(c->b, l, cg_const(c, es), "");
	}
	LLVMIntPredicate pred;
	switch (op) {
	case AST_OP_ADD: return cg_val_scalar(LLVMBuildAdd(c->b, l, r, ""));
	case AST_OP_SUB: return cg_val_scalar(LLVMBuildSub(c->b, l, r, ""));
	case AST_OP_MUL: return cg_val_scalar(LLVMBuildMul(c->b, l, r, ""));
	case AST_OP_DIV:
	case AST_OP_MOD:
		return cg_val_scalar(divmod(c, n, l, r, sgn));
	case AST_OP_BAND: return cg_val_scalar(LLVMBuildAnd(c->b, l, r, ""));
	case AST_OP_BOR: return cg_val_scalar(LLVMBuildOr(c->b, l, r, ""));
	case AST_OP_BXOR: return cg_val_scalar(LLVMBuildXor(c->b, l, r, ""));
	case AST_OP_SHL: return cg_val_scalar(LLVMBuildShl(c->b, l, r, ""));
	case AST_OP_SHR: return cg_val_scalar(is_signed(lt) ? LLVMBuildAShr(c->b, l, r, "") : LLVMBuildLShr(c->b, l, r, ""));
	case AST_OP_EQ: pred = LLVMIntEQ; break;
	case AST_OP_NE: pred = LLVMIntNE; break;
	case AST_OP_LT: pred = ucmp ? LLVMIntULT : LLVMIntSLT; break;
	case AST_OP_LE: pred = ucmp ? LLVMIntULE : LLVMIntSLE; break;
	case AST_OP_GT: pred = ucmp ? LLVMIntUGT : LLVMIntSGT; break;
	case AST_OP_GE: pred = ucmp ? LLVMIntUGE : LLVMIntSGE; break;
	case AST_OP_NONE: case AST_OP_LAND: case AST_OP_LOR: case AST_OP_NEG: case AST_OP_NOT:
	case AST_OP_BNOT: case AST_OP_DEREF: case AST_OP_ADDR: case AST_OP_PREINC: case AST_OP_PREDEC:
	case AST_OP_POSTINC: case AST_OP_POSTDEC: case AST_OP__COUNT:
	default:
		cg_error(c, n->span, "internal: no code for operator %s", ast_op_name(op));
		return cg_val_scalar(cg_const(c, 0));
	}
	return cg_val_scalar(LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, pred, l, r, ""), c->i64, ""));
}

/* Reading memory the program does not own goes through probe_read. */
void cg_probe_read(struct cg *c, LLVMValueRef dst, uint32_t size, LLVMValueRef addr, enum ty_addrspace as)
{
	cg_probe_read_n(c, dst, LLVMConstInt(c->i32, size, false), addr, as);
}

void cg_probe_read_n(struct cg *c, LLVMValueRef dst, LLVMValueRef size32, LLVMValueRef addr, enum ty_addrspace as)
{
	if (as == TY_AS_NONE)
		as = cg_int_as(c);
	enum cg_helper h = as == TY_AS_USER ? H_PROBE_READ_USER : as == TY_AS_KERNEL ? H_PROBE_READ_KERNEL : H_PROBE_READ;
	LLVMValueRef args[3] = { dst, size32, LLVMBuildIntToPtr(c->b, addr, c->ptr, "") };
	LLVMValueRef r = cg_helper(c, h, c->i64, args, 3);
	cg_helper_check(c, 1, c->read_at.line ? c->read_at : c->at, h == H_PROBE_READ_USER ? "probe_read_user" : h == H_PROBE_READ_KERNEL
				    ? "probe_read_kernel" : "probe_read", LLVMBuildICmp(c->b, LLVMIntSLT, r, cg_const(c, 0), ""), r);
}

static struct cg_val incdec(struct cg *c, struct ast *n)
{
	struct ast *e = n->unary.e;
	bool inc = n->unary.op == AST_OP_PREINC || n->unary.op == AST_OP_POSTINC;
	bool post = n->unary.op == AST_OP_POSTINC || n->unary.op == AST_OP_POSTDEC;
	/* p++ steps a pointer by its pointee's size */
	const struct ty *et = cg_type(e);
	uint64_t step = et && et->kind == TY_PTR && et->elem && et->elem->kind != TY_VOID ? ty_size(et->elem) : 1;
	if (e->kind == AST_VAR) {
		struct cg_var *v = cg_var_find(c, e->ident.name);
		if (!v)
			v = cg_var_add(c, e->ident.name, cg_type(e));
		LLVMValueRef old = LLVMBuildLoad2(c->b, c->i64, v->slot, "");
		LLVMValueRef nv = inc ? LLVMBuildAdd(c->b, old, cg_const(c, step), "") : LLVMBuildSub(c->b, old, cg_const(c, step), "");
		LLVMBuildStore(c->b, nv, v->slot);
		return cg_val_scalar(post ? old : nv);
	}
	/* @m[k]++: read, change, write back (not atomic, as in bpftrace). */
	struct cg_val old = map_read(c, e);
	LLVMValueRef nv = inc ? LLVMBuildAdd(c->b, old.v, cg_const(c, step), "") : LLVMBuildSub(c->b, old.v, cg_const(c, step), "");
	int dm = cg_user_map(c, e->map.name);
	LLVMValueRef key = cg_map_key(c, e->map.keys, dm);
	LLVMValueRef val = cg_tmp(c, 8);
	cg_store_int(c, val, nv, 8);
	cg_map_update(c, dm, key, val);
	return cg_val_scalar(post ? old.v : nv);
}

static struct cg_val unary(struct cg *c, struct ast *n)
{
	switch (n->unary.op) {
	case AST_OP_PREINC: case AST_OP_PREDEC: case AST_OP_POSTINC: case AST_OP_POSTDEC:
		return incdec(c, n);
	case AST_OP_NEG:
		return cg_val_scalar(LLVMBuildNeg(c->b, cg_scalar(c, n->unary.e), ""));
	case AST_OP_BNOT:
		return cg_val_scalar(LLVMBuildNot(c->b, cg_scalar(c, n->unary.e), ""));
	case AST_OP_NOT:
		return cg_val_scalar(LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, cg_scalar(c, n->unary.e),
								  cg_const(c, 0), ""), c->i64, ""));
	case AST_OP_ADDR: {
		struct cg_var *v = cg_var_find(c, n->unary.e->ident.name);
		if (!v)
			v = cg_var_add(c, n->unary.e->ident.name, cg_type(n->unary.e));
		return cg_val_scalar(LLVMBuildPtrToInt(c->b, v->slot, c->i64, ""));
	}
	case AST_OP_DEREF: {
		const struct ty *pt = cg_type(n->unary.e), *t = cg_type(n);
		LLVMValueRef addr = cg_scalar(c, n->unary.e);
		LLVMValueRef buf = cg_tmp(c, ty_size(t));
		cg_probe_read(c, buf, ty_size(t), addr, pt->as);
		return cg_is_mem(t) ? cg_val_mem(buf) : cg_val_scalar(cg_load_int(c, buf, t));
	}
	case AST_OP_NONE: case AST_OP_ADD: case AST_OP_SUB: case AST_OP_MUL: case AST_OP_DIV:
	case AST_OP_MOD: case AST_OP_BAND: case AST_OP_BOR: case AST_OP_BXOR: case AST_OP_SHL:
	case AST_OP_SHR: case AST_OP_LAND: case AST_OP_LOR: case AST_OP_EQ: case AST_OP_NE:
	case AST_OP_LT: case AST_OP_LE: case AST_OP_GT: case AST_OP_GE: case AST_OP__COUNT:
		break;
	}
	cg_error(c, n->span, "internal: no code for unary %s", ast_op_name(n->unary.op));
	return cg_val_scalar(cg_const(c, 0));
}

static struct cg_val ternary(struct cg *c, struct ast *n)
{
	const struct ty *t = cg_type(n);
	LLVMValueRef cond = cg_scalar(c, n->ternary.cond);
	LLVMBasicBlockRef yes = cg_block(c, "then"), no = cg_block(c, "else"), done = cg_block(c, "endif");
	LLVMValueRef out = cg_is_mem(t) ? cg_tmp(c, ty_size(t)) : NULL; /* before the branch, as in map_read */
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, cond, cg_const(c, 0), ""), yes, no);
	if (cg_is_mem(t)) {
		LLVMPositionBuilderAtEnd(c->b, yes);
		struct ast *a = n->ternary.then ? n->ternary.then : n->ternary.cond;
		cg_store_value(c, out, 8, t, cg_expr(c, a), cg_type(a));
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, no);
		cg_store_value(c, out, 8, t, cg_expr(c, n->ternary.els), cg_type(n->ternary.els));
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, done);
		return cg_val_mem(out);
	}
	LLVMPositionBuilderAtEnd(c->b, yes);
	LLVMValueRef a = n->ternary.then ? cg_scalar(c, n->ternary.then) : cond;
	LLVMBasicBlockRef yes_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, no);
	LLVMValueRef b = cg_scalar(c, n->ternary.els);
	LLVMBasicBlockRef no_end = LLVMGetInsertBlock(c->b);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	LLVMValueRef phi = LLVMBuildPhi(c->b, c->i64, "");
	LLVMValueRef vals[2] = { a, b };
	LLVMBasicBlockRef bbs[2] = { yes_end, no_end };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return cg_val_scalar(phi);
}

/* One u64 argument slot of a raw_tp, fentry/fexit or iter context. raw_tp
 * and tracing contexts are read 8 bytes at a time ("invalid bpf_context
 * access" otherwise). An iterator's object (and a fentry pointer argument)
 * loads as a BTF pointer on which the verifier refuses arithmetic until it is
 * null-checked ("pointer arithmetic on ptr_or_null_ prohibited"), so those
 * are copied out with probe_read_kernel as plain numbers. */
LLVMValueRef cg_ctx_slot(struct cg *c, uint32_t off)
{
	const struct rt_provider *k = rt_provider_of(c->exp->type);
	LLVMValueRef idx = LLVMConstInt(c->i64, off, false);
	LLVMValueRef addr = LLVMBuildGEP2(c->b, c->i8, c->ctxarg, &idx, 1, "");
	if (k && k->args != RT_ARGS_RAWTP) {
		LLVMValueRef buf = cg_tmp(c, 8);
		cg_probe_read(c, buf, 8, LLVMBuildPtrToInt(c->b, addr, c->i64, ""), TY_AS_KERNEL);
		return LLVMBuildLoad2(c->b, c->i64, buf, "");
	}
	LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, addr, "");
	LLVMSetAlignment(v, 8);
	return v;
}

/* A slot's value as a field of type t: narrowed, then widened back as C would. */
LLVMValueRef cg_slot_as(struct cg *c, LLVMValueRef v, const struct ty *t)
{
	uint32_t size = t->kind == TY_BOOL ? 1 : t->size;
	if (size >= 8 || !size)
		return v;
	LLVMValueRef n = LLVMBuildTrunc(c->b, v, LLVMIntTypeInContext(c->ctx, 8 * size), "");
	bool sext = t->kind == TY_INT && t->is_signed;
	return sext ? LLVMBuildSExt(c->b, n, c->i64, "") : LLVMBuildZExt(c->b, n, c->i64, "");
}

/* A field of the tracepoint record is read straight from the context at a
 * constant offset: the verifier refuses a context pointer moved first. The
 * u64-slot contexts (rawtracepoint, fentry, iter) have their own reads. */
struct cg_val cg_ctx_field(struct cg *c, uint32_t off, const struct ty *t)
{
	const struct rt_provider *k = rt_provider_of(c->exp->type);
	if (k && k->args != RT_ARGS_TRACEPOINT && !cg_is_mem(t))
		return cg_val_scalar(cg_slot_as(c, cg_ctx_slot(c, off), t));
	LLVMValueRef idx = LLVMConstInt(c->i64, off, false);
	LLVMValueRef addr = LLVMBuildGEP2(c->b, c->i8, cg_tp_base(c), &idx, 1, "");
	if (!cg_is_mem(t))
		return cg_val_scalar(cg_load_int(c, addr, t));
	LLVMValueRef buf = cg_tmp(c, ty_size(t));
	cg_memcpy(c, buf, 8, addr, cg_align_of(off, 8), ty_size(t));
	return cg_val_mem(buf);
}

/* A field reached through a kernel pointer (BTF types), directly or through
 * structs nested by value: read from memory the program does not own. */
static bool addressable(const struct ast *e);

/* A variable index past the array's end reads element 0 (the verifier
 * needs the bound) and warns at the index, as current bpftrace warns. */
static const char oob_msg[] = "Array access out of bounds. This can lead to unexpected results.";
static LLVMValueRef clamp_index(struct cg *c, struct ast *n, LLVMValueRef i, uint32_t count)
{
	LLVMValueRef ok = LLVMBuildICmp(c->b, LLVMIntULT, i, cg_const(c, count), "");
	LLVMBasicBlockRef bad = cg_block(c, "oob"), join = cg_block(c, "inb");
	LLVMBuildCondBr(c->b, ok, join, bad);
	LLVMPositionBuilderAtEnd(c->b, bad);
	int ev = cg_event_add(c, DESC_EV_WARNING, n->index.index->span);
	c->desc->events[ev].fmt = oob_msg;
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, sizeof(struct desc_event_hdr), &done);
	cg_event_submit(c, rec, false, done);
	LLVMBuildBr(c->b, join);
	LLVMPositionBuilderAtEnd(c->b, join);
	return LLVMBuildSelect(c->b, ok, i, cg_const(c, 0), "");
}

static bool kernel_chain(const struct ast *base)
{
	const struct ty *bt = cg_type(base);
	if (bt->kind == TY_PTR && bt->elem && bt->elem->kind == TY_RECORD && !bt->elem->ctx)
		return true;
	/* p->a.b, p->arr[i].b: a struct nested by value in one behind a
	 * pointer; a struct the program holds (a map value, a variable) is
	 * read in place */
	if (bt->kind == TY_RECORD && base->kind == AST_FIELD)
		return kernel_chain(base->field.e);
	return bt->kind == TY_RECORD && base->kind == AST_INDEX && addressable(base);
}

/* A field or array element inside memory behind a pointer: read at its
 * address, never by copying what holds it (a zero-length array holds
 * nothing, and a big one would be read whole for one element). */
static bool addressable(const struct ast *e)
{
	if (e->kind == AST_FIELD)
		return kernel_chain(e->field.e);
	if (e->kind == AST_INDEX) {
		const struct ty *bt = cg_type(e->index.e);
		return (bt->kind == TY_ARRAY || bt->kind == TY_STRING) && addressable(e->index.e);
	}
	return false;
}

static LLVMValueRef field_addr(struct cg *c, struct ast *n, enum ty_addrspace *as);

/* The address of a[i] for an addressable a: a variable index is clamped to
 * the array (a zero-length trailing array has no bound to clamp to). */
static LLVMValueRef elem_addr(struct cg *c, struct ast *n, enum ty_addrspace *as)
{
	struct ast *base = n->index.e;
	const struct ty *bt = cg_type(base);
	LLVMValueRef at = base->kind == AST_FIELD ? field_addr(c, base, as) : elem_addr(c, base, as);
	uint32_t es = bt->kind == TY_STRING ? 1 : ty_size(bt->elem);
	uint32_t count = bt->kind == TY_STRING ? bt->size : bt->count;
	LLVMValueRef i = cg_scalar(c, n->index.index);
	if (count && n->index.index->kind != AST_INT)
		i = clamp_index(c, n, i, count);
	return LLVMBuildAdd(c->b, at, LLVMBuildMul(c->b, i, cg_const(c, es), ""), "");
}

static LLVMValueRef field_addr(struct cg *c, struct ast *n, enum ty_addrspace *as)
{
	struct ast *base = n->field.e;
	const struct ty *bt = cg_type(base);
	const struct ty *rec = bt->kind == TY_PTR ? bt->elem : bt;
	const struct ty_field *f = ty_field(rec, n->field.name);
	LLVMValueRef at;
	if (bt->kind == TY_PTR) {
		at = cg_scalar(c, base);
		if (bt->as != TY_AS_NONE)
			*as = bt->as;
	} else {
		at = base->kind == AST_INDEX ? elem_addr(c, base, as) : field_addr(c, base, as);
	}
	return cg_core_field_addr(c, at, rec, f);
}

/* A bitfield's value from the bytes that hold it, copied (or read) into a
 * zeroed 8-byte buffer: shifted down and masked, never sign-extended (as
 * upstream reads and prints them: a 5-bit -3 reads 29). */
static uint32_t bitfield_bytes(const struct ty_field *f)
{
	return (f->bit_offset + f->bits + 7u) / 8u;
}

static LLVMValueRef bitfield_value(struct cg *c, LLVMValueRef buf8, const struct ty_field *f)
{
	LLVMValueRef v = cg_load_int(c, buf8, ty_int(8, false));
	unsigned shl = 64u - f->bit_offset - f->bits;
	v = LLVMBuildShl(c->b, v, cg_const(c, shl), "");
	return LLVMBuildLShr(c->b, v, cg_const(c, shl + f->bit_offset), "");
}

static struct cg_val field(struct cg *c, struct ast *n)
{
	struct ast *base = n->field.e;
	const struct ty *bt = cg_type(base);
	if ((bt->kind == TY_PTR && bt->elem && bt->elem->kind == TY_RECORD && bt->elem->ctx) ||
	    (bt->kind == TY_RECORD && bt->ctx && c->exp->type == PROBE_TRACEPOINT)) {
		/* args->f: the offset in this probe's own format (a wildcard's
		 * tracepoints may place the field differently). */
		const struct ty_field *f = ty_field(c->exp->args, n->field.name);
		if (!f) {
			cg_error(c, n->span, "tracepoint %s has no field '%s'", c->exp->name, n->field.name);
			return cg_val_scalar(cg_const(c, 0));
		}
		return cg_ctx_field(c, f->offset, f->type);
	}
	if (kernel_chain(base)) {
		/* p->a.b: one probe_read of the last field, at the address the
		 * pointer and the offsets along the chain give. */
		enum ty_addrspace as = TY_AS_NONE;
		LLVMValueRef addr = field_addr(c, n, &as);
		const struct ty *t = cg_type(n);
		const struct ty *rec = bt->kind == TY_PTR ? bt->elem : bt;
		const struct ty_field *bf = ty_field(rec, n->field.name);
		if (bf && bf->bits) {
			LLVMValueRef buf = cg_tmp(c, 8);
			cg_store_int(c, buf, cg_const(c, 0), 8);
			cg_probe_read(c, buf, bitfield_bytes(bf), addr, as);
			return cg_val_scalar(bitfield_value(c, buf, bf));
		}
		LLVMValueRef buf = cg_tmp(c, ty_size(t));
		cg_probe_read(c, buf, ty_size(t), addr, as);
		return cg_is_mem(t) ? cg_val_mem(buf) : cg_val_scalar(cg_load_int(c, buf, t));
	}
	if (bt->kind == TY_TUPLE || bt->kind == TY_RECORD) {
		struct cg_val b = cg_expr(c, base);
		const struct ty_field *f = ty_field(bt, n->field.name);
		if (!f) {
			cg_error(c, n->span, "internal: no field %s", n->field.name);
			return cg_val_scalar(cg_const(c, 0));
		}
		LLVMValueRef addr = cg_gep(c, b.v, f->offset);
		if (f->bits) {
			LLVMValueRef buf = cg_tmp(c, 8);
			cg_store_int(c, buf, cg_const(c, 0), 8);
			cg_memcpy(c, buf, 8, addr, 1, bitfield_bytes(f));
			return cg_val_scalar(bitfield_value(c, buf, f));
		}
		return cg_is_mem(f->type) ? mem_at(addr, cg_align_of(f->offset, b.align)) : cg_val_scalar(cg_load_int(c, addr, f->type));
	}
	cg_error(c, n->span, "field access on '%s' is not supported yet", ty_name(c->a, bt));
	return cg_val_scalar(cg_const(c, 0));
}

static struct cg_val index_expr(struct cg *c, struct ast *n)
{
	const struct ty *bt = cg_type(n->index.e), *t = cg_type(n);
	if ((bt->kind == TY_ARRAY || bt->kind == TY_STRING) && addressable(n->index.e)) {
		enum ty_addrspace as = TY_AS_NONE;
		LLVMValueRef addr = elem_addr(c, n, &as);
		LLVMValueRef buf = cg_tmp(c, ty_size(t));
		cg_probe_read(c, buf, ty_size(t), addr, as);
		return cg_is_mem(t) ? cg_val_mem(buf) : cg_val_scalar(cg_load_int(c, buf, t));
	}
	if (bt->kind == TY_ARRAY || bt->kind == TY_STRING) {
		struct cg_val b = cg_expr(c, n->index.e);
		uint32_t es = bt->kind == TY_STRING ? 1 : ty_size(bt->elem);
		uint32_t count = bt->kind == TY_STRING ? bt->size : bt->count;
		if (n->index.index->kind == AST_INT) {
			uint32_t off = (uint32_t)n->index.index->num.value * es;
			LLVMValueRef addr = cg_gep(c, b.v, off);
			return cg_is_mem(t) ? mem_at(addr, cg_align_of(off, b.align)) : cg_val_scalar(cg_load_int(c, addr, t));
		}
		/* A variable index is clamped so the verifier sees a bounded access. */
		LLVMValueRef i = clamp_index(c, n, cg_scalar(c, n->index.index), count);
		LLVMValueRef off = LLVMBuildMul(c->b, i, cg_const(c, es), "");
		LLVMValueRef addr = LLVMBuildGEP2(c->b, c->i8, b.v, &off, 1, "");
		return cg_is_mem(t) ? mem_at(addr, cg_align_of(es, b.align)) : cg_val_scalar(cg_load_int(c, addr, t));
	}
	if (bt->kind == TY_PTR) {
		LLVMValueRef p = cg_scalar(c, n->index.e);
		LLVMValueRef i = cg_scalar(c, n->index.index);
		LLVMValueRef addr = LLVMBuildAdd(c->b, p, LLVMBuildMul(c->b, i, cg_const(c, ty_size(t)), ""), "");
		LLVMValueRef buf = cg_tmp(c, ty_size(t));
		cg_probe_read(c, buf, ty_size(t), addr, bt->as);
		return cg_is_mem(t) ? cg_val_mem(buf) : cg_val_scalar(cg_load_int(c, buf, t));
	}
	if (bt->kind == TY_TUPLE) {
		struct cg_val b = cg_expr(c, n->index.e);
		const struct ty_field *f = &bt->fields[n->index.index->num.value];
		LLVMValueRef addr = cg_gep(c, b.v, f->offset);
		return cg_is_mem(f->type) ? mem_at(addr, cg_align_of(f->offset, b.align)) : cg_val_scalar(cg_load_int(c, addr, f->type));
	}
	cg_error(c, n->span, "indexing '%s' is not supported yet", ty_name(c->a, bt));
	return cg_val_scalar(cg_const(c, 0));
}

static struct cg_val cast(struct cg *c, struct ast *n)
{
	const struct ty *t = cg_type(n), *from = cg_type(n->cast.e);
	struct cg_val v = cg_expr(c, n->cast.e);
	if (t->kind == TY_INT && !v.mem) {
		/* (uint8)300 is 44: narrow, then widen by the new type's sign. */
		LLVMTypeRef it = t->size == 1 ? c->i8 : t->size == 2 ? c->i16 : t->size == 4 ? c->i32 : c->i64;
		if (t->size == 8)
			return v;
		LLVMValueRef nv = LLVMBuildTrunc(c->b, v.v, it, "");
		return cg_val_scalar(t->is_signed ? LLVMBuildSExt(c->b, nv, c->i64, "") : LLVMBuildZExt(c->b, nv, c->i64, ""));
	}
	if (t->kind == TY_BOOL && !v.mem)
		return cg_val_scalar(cg_bool(c, v.v));
	if (t->kind == TY_ARRAY && !v.mem) {
		LLVMValueRef buf = cg_tmp(c, 8);
		cg_store_int(c, buf, v.v, 8);
		return cg_val_mem(buf);
	}
	if (t->kind == TY_INT && v.mem && from->kind == TY_ARRAY)
		return cg_val_scalar(cg_load_int(c, v.v, t));
	return v;
}

static struct cg_val tuple(struct cg *c, struct ast *n)
{
	const struct ty *t = cg_type(n);
	LLVMValueRef buf = cg_tmp(c, ty_size(t));
	cg_memset(c, buf, 8, ty_size(t));
	uint32_t i = 0;
	for (struct ast *e = n->tuple.elems; e; e = e->next, i++)
		cg_store_value(c, cg_gep(c, buf, t->fields[i].offset), cg_align_of(t->fields[i].offset, 8),
			       t->fields[i].type, cg_expr(c, e), cg_type(e));
	return cg_val_mem(buf);
}

/* a record: its values at the offsets of its fields, as a tuple's */
static struct cg_val record(struct cg *c, struct ast *n)
{
	const struct ty *t = cg_type(n);
	LLVMValueRef buf = cg_tmp(c, ty_size(t));
	cg_memset(c, buf, 8, ty_size(t));
	uint32_t i = 0;
	for (struct ast *f = n->record.fields; f; f = f->next, i++)
		cg_store_value(c, cg_gep(c, buf, t->fields[i].offset), cg_align_of(t->fields[i].offset, 8),
			       t->fields[i].type, cg_expr(c, f->named.value), cg_type(f->named.value));
	return cg_val_mem(buf);
}

/* A read of memory (->, ., [], *) is where its failed probe_read is
 * reported: -k names the expression, as bpftrace does, not the statement. */
static struct cg_val at_read(struct cg *c, struct ast *n, struct cg_val (*emit)(struct cg *, struct ast *))
{
	struct span saved = c->read_at;
	c->read_at = n->span;
	if (n->kind == AST_FIELD) {
		/* current bpftrace's place for a field: from its base expression
		 * inward of any parentheses, ((struct foo *)p).a at the cast */
		const struct span *b = &n->field.e->span;
		c->read_at.off = b->off;
		c->read_at.line = b->line;
		c->read_at.col = b->col;
	}
	struct cg_val v = emit(c, n);
	c->read_at = saved;
	return v;
}

struct cg_val cg_expr(struct cg *c, struct ast *n)
{
	const struct ty *t = cg_type(n);
	switch (n->kind) {
	case AST_INT:
		return cg_val_scalar(cg_const(c, n->num.value));
	case AST_BOOL:
		return cg_val_scalar(cg_const(c, n->boolean.value));
	case AST_STRING:
		return cg_val_mem(cg_const_bytes(c, n->str.s, n->str.len + 1, t->size));
	case AST_POSITIONAL: {
		if (c->opts && c->opts->aot)
			return cg_param(c, n->pos.n, t);
		const char *v = n->pos.n <= (uint32_t)c->pc->nparams ? c->pc->params[n->pos.n - 1] : "";
		if (t->kind == TY_STRING)
			return cg_const_string(c, v, t);
		/* a parameter past INT64_MAX is unsigned (sema typed it so) */
		if (t->kind == TY_INT && !t->is_signed)
			return cg_val_scalar(cg_const(c, (uint64_t)strtoull(v, NULL, 0)));
		return cg_val_scalar(cg_const(c, (uint64_t)strtoll(v, NULL, 0)));
	}
	case AST_POSITIONAL_COUNT:
		if (c->opts && c->opts->aot)
			return cg_val_scalar(cg_param_count(c));
		return cg_val_scalar(cg_const(c, (uint64_t)c->pc->nparams));
	case AST_BUILTIN:
		return cg_call(c, n);
	case AST_VAR: {
		struct cg_var *v = cg_var_find(c, n->ident.name);
		if (!v) {
			cg_error(c, n->span, "internal: variable %s has no storage", n->ident.name);
			return cg_val_scalar(cg_const(c, 0));
		}
		/* A tuple variable is stored in the widest layout any of its
		 * assignments needs ($a = ("hi", 1) then ("hello there", 2)), but
		 * this read was typed with the layout known at this point: lay the
		 * value out as the read expects, or its fields sit at other offsets. */
		const struct ty *nt = n->type;
		if (cg_is_mem(v->type) && nt && nt->kind == v->type->kind && !ty_equal(nt, v->type) &&
		    (nt->kind == TY_TUPLE || (nt->kind == TY_RECORD && !nt->name && !v->type->name))) {
			LLVMValueRef tmp = cg_tmp(c, ty_size(nt));
			cg_store_value(c, tmp, 8, nt, cg_val_mem(v->slot), v->type);
			return cg_val_mem(tmp);
		}
		if (cg_is_mem(v->type))
			return cg_val_mem(v->slot);
		return cg_val_scalar(LLVMBuildLoad2(c->b, c->i64, v->slot, ""));
	}
	case AST_MAP:
		return map_read(c, n);
	case AST_CALL:
		return cg_call(c, n);
	case AST_UNARY:
		if (n->unary.op == AST_OP_DEREF)
			return at_read(c, n, unary);
		return unary(c, n);
	case AST_BINARY:
		return binary(c, n);
	case AST_TERNARY:
		return ternary(c, n);
	case AST_FIELD:
		return at_read(c, n, field);
	case AST_INDEX:
		return at_read(c, n, index_expr);
	case AST_CAST:
		return cast(c, n);
	case AST_TUPLE:
		return tuple(c, n);
	case AST_SIZEOF:
		return cg_val_scalar(cg_const(c, ty_size(n->sizeof_.arg->type)));
	case AST_RECORD:
		return record(c, n);
	case AST_IDENT: case AST_NAMED: case AST_OFFSETOF: case AST_RANGE:
	case AST_BLOCK_EXPR: case AST_TYPE: case AST_PROGRAM: case AST_C_DEF: case AST_CONFIG:
	case AST_IMPORT: case AST_MACRO: case AST_MAP_DECL: case AST_PROBE: case AST_ATTACH_POINT:
	case AST_BLOCK: case AST_EXPR_STMT: case AST_ASSIGN: case AST_LET: case AST_IF: case AST_WHILE:
	case AST_UNROLL: case AST_FOR: case AST_JUMP: case AST__COUNT:
		break;
	}
	cg_error(c, n->span, "internal: no code for %s", ast_kind_name(n->kind));
	return cg_val_scalar(cg_const(c, 0));
}

LLVMValueRef cg_scalar(struct cg *c, struct ast *n)
{
	struct cg_val v = cg_expr(c, n);
	if (v.mem) {
		cg_error(c, n->span, "internal: expected a scalar, got %s", ty_name(c->a, cg_type(n)));
		return cg_const(c, 0);
	}
	return v.v;
}
