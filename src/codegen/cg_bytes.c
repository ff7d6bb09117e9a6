/* cg_bytes: byte loops (compare, search, zero, copy) as real bounded loops, never unrolled. */
#include "codegen/cg_impl.h"

/* Why loops: unrolled, strcontains on two 64-byte strings was 4,096 compare
 * blocks, 12 s inside LLVM and then "LLVM ERROR: Branch target out of insn
 * range" (a BPF jump reaches 32,767 instructions). A loop is a few
 * instructions whatever the lengths; the verifier (bounded loops, kernel
 * 5.3) walks it with the index known at each step, so the lengths only cost
 * verification time, which sema's limits keep far below 1 M instructions. */

/* A counted loop `for (i = 0; i < n; i++)`: the index is a phi, so nothing
 * spills to the 512-byte stack. cg_loop_begin leaves the builder in the
 * body; cg_loop_end closes the iteration from wherever the body ended and
 * leaves the builder after the loop. `n` is at least 1. */
struct cg_count {
	LLVMValueRef i;
	LLVMBasicBlockRef pre, head, exit;
};

static struct cg_count loop_begin(struct cg *c, LLVMValueRef n, const char *name)
{
	struct cg_count l = { .pre = LLVMGetInsertBlock(c->b) };
	l.head = cg_block(c, name);
	LLVMBasicBlockRef body = cg_block(c, name);
	l.exit = cg_block(c, name);
	LLVMBuildBr(c->b, l.head);
	LLVMPositionBuilderAtEnd(c->b, l.head);
	l.i = LLVMBuildPhi(c->b, c->i64, "");
	LLVMValueRef zero = cg_const(c, 0);
	LLVMAddIncoming(l.i, &zero, &l.pre, 1);
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntULT, l.i, n, ""), body, l.exit);
	LLVMPositionBuilderAtEnd(c->b, body);
	return l;
}

/* The current block is the latch: i + 1, back to the test. */
static void loop_end(struct cg *c, struct cg_count *l)
{
	LLVMValueRef next = LLVMBuildAdd(c->b, l->i, cg_const(c, 1), "");
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(c->b);
	LLVMAddIncoming(l->i, &next, &latch, 1);
	LLVMBuildBr(c->b, l->head);
	LLVMPositionBuilderAtEnd(c->b, l->exit);
}

static LLVMValueRef byte_at(struct cg *c, LLVMValueRef base, LLVMValueRef i)
{
	LLVMValueRef p = LLVMBuildGEP2(c->b, c->i8, base, &i, 1, "");
	return LLVMBuildZExt(c->b, LLVMBuildLoad2(c->b, c->i8, p, ""), c->i64, "");
}

LLVMValueRef cg_bytes_compare(struct cg *c, LLVMValueRef a, LLVMValueRef b, uint32_t n, LLVMBasicBlockRef *done)
{
	LLVMValueRef differ = cg_alloca(c, 8);
	LLVMBuildStore(c->b, cg_const(c, 0), differ);
	*done = cg_block(c, "cmp_done");
	if (!n)
		return differ;
	struct cg_count l = loop_begin(c, cg_const(c, n), "cmp");
	LLVMValueRef x = byte_at(c, a, l.i), y = byte_at(c, b, l.i);
	LLVMBasicBlockRef ne = cg_block(c, "cmp_ne"), same = cg_block(c, "cmp_same");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, x, y, ""), ne, same);
	LLVMPositionBuilderAtEnd(c->b, ne);
	LLVMBuildStore(c->b, cg_const(c, 1), differ);
	LLVMBuildBr(c->b, *done);
	LLVMPositionBuilderAtEnd(c->b, same);
	LLVMBasicBlockRef next = cg_block(c, "cmp_next");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, x, cg_const(c, 0), ""), *done, next);
	LLVMPositionBuilderAtEnd(c->b, next);
	loop_end(c, &l);
	return differ;
}

/* 1 for a byte value 1..255, 0 for 0, without a branch: BPF has no setcc,
 * so `x != 0` would be a conditional jump. */
static LLVMValueRef nonzero(struct cg *c, LLVMValueRef byte)
{
	return LLVMBuildLShr(c->b, LLVMBuildAdd(c->b, byte, cg_const(c, 255), ""), cg_const(c, 8), "");
}

/* strcontains: for each start i in the haystack (until its NUL), compare
 * the needle (until its NUL or its capacity) against hay[i..]; a match when
 * no byte before the needle's NUL differs, or when the capacity of either
 * ran out with every byte matched.
 *
 * The inner comparison has no branch but its loop test: with a branch per
 * byte, 64 x 64 bytes leave 8,192 pending states and the verifier refuses
 * "The sequence of 8193 jumps is too complex". */
LLVMValueRef cg_bytes_contains(struct cg *c, LLVMValueRef hay, uint32_t hs, LLVMValueRef needle, uint32_t ns)
{
	LLVMValueRef res = cg_alloca(c, 8);
	LLVMBuildStore(c->b, cg_const(c, ns <= 1 ? 1 : 0), res);
	if (ns <= 1 || hs <= 1)
		return LLVMBuildLoad2(c->b, c->i64, res, "");
	LLVMBasicBlockRef found = cg_block(c, "strc_found"), done = cg_block(c, "strc_done");

	struct cg_count outer = loop_begin(c, cg_const(c, hs - 1), "strc_i");
	LLVMValueRef i = outer.i;
	/* j < min(ns - 1, hs - i): the needle's bytes before its last (a NUL
	 * slot), and the haystack's bytes left */
	LLVMValueRef left = LLVMBuildSub(c->b, cg_const(c, hs), i, "");
	LLVMValueRef small = LLVMBuildICmp(c->b, LLVMIntULT, left, cg_const(c, ns - 1), "");
	LLVMValueRef bound = LLVMBuildSelect(c->b, small, left, cg_const(c, ns - 1), "");
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(c->b);
	LLVMBasicBlockRef head = cg_block(c, "strc_j"), body = cg_block(c, "strc_jbody"),
			  after = cg_block(c, "strc_jend"), next_i = cg_block(c, "strc_next");
	LLVMBuildBr(c->b, head);
	LLVMPositionBuilderAtEnd(c->b, head);
	LLVMValueRef j = LLVMBuildPhi(c->b, c->i64, "j");
	LLVMValueRef live = LLVMBuildPhi(c->b, c->i64, "live"); /* 1 until the needle's NUL */
	LLVMValueRef bad = LLVMBuildPhi(c->b, c->i64, "bad");   /* 1 once a live byte differed */
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntULT, j, bound, ""), body, after);
	LLVMPositionBuilderAtEnd(c->b, body);
	LLVMValueRef q = byte_at(c, needle, j);
	LLVMValueRef p = byte_at(c, hay, LLVMBuildAdd(c->b, i, j, ""));
	LLVMValueRef live1 = LLVMBuildAnd(c->b, live, nonzero(c, q), "");
	LLVMValueRef diff = nonzero(c, LLVMBuildXor(c->b, p, q, ""));
	LLVMValueRef bad1 = LLVMBuildOr(c->b, bad, LLVMBuildAnd(c->b, live1, diff, ""), "");
	LLVMValueRef j1 = LLVMBuildAdd(c->b, j, cg_const(c, 1), "");
	LLVMBuildBr(c->b, head);
	LLVMValueRef vals[3][2] = { { cg_const(c, 0), j1 }, { cg_const(c, 1), live1 }, { cg_const(c, 0), bad1 } };
	LLVMValueRef phis[3] = { j, live, bad };
	LLVMBasicBlockRef from[2] = { pre, body };
	for (int k = 0; k < 3; k++)
		LLVMAddIncoming(phis[k], vals[k], from, 2);

	LLVMPositionBuilderAtEnd(c->b, after);
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, bad, cg_const(c, 0), ""), found, next_i);
	LLVMPositionBuilderAtEnd(c->b, next_i);
	/* the haystack ended: stop */
	LLVMValueRef hc = byte_at(c, hay, i);
	LLVMBasicBlockRef more = cg_block(c, "strc_more");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, hc, cg_const(c, 0), ""), done, more);
	LLVMPositionBuilderAtEnd(c->b, more);
	loop_end(c, &outer);
	LLVMBuildBr(c->b, done);

	LLVMPositionBuilderAtEnd(c->b, found);
	LLVMBuildStore(c->b, cg_const(c, 1), res);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	return LLVMBuildLoad2(c->b, c->i64, res, "");
}

/* Zeroing and copying: the BPF backend expands memset/memcpy inline up to
 * 128 stores and otherwise emits a call it cannot lower ("memset is not
 * supported", a 1 MB string). Past a few dozen stores, a loop of the widest
 * stores the alignment allows, then the tail through the intrinsic. */
#define BYTES_INLINE 32  /* stores at most, inline */

static unsigned unit_of(unsigned align)
{
	return align >= 8 ? 8 : align >= 4 ? 4 : align >= 2 ? 2 : 1;
}

static LLVMTypeRef unit_type(struct cg *c, unsigned unit)
{
	return unit == 8 ? c->i64 : unit == 4 ? c->i32 : unit == 2 ? c->i16 : c->i8;
}

void cg_memset(struct cg *c, LLVMValueRef dst, unsigned align, uint32_t n)
{
	unsigned unit = unit_of(align);
	uint32_t words = n / unit;
	if (words > BYTES_INLINE) {
		LLVMTypeRef ut = unit_type(c, unit);
		struct cg_count l = loop_begin(c, cg_const(c, words), "zero");
		LLVMValueRef p = LLVMBuildGEP2(c->b, ut, dst, &l.i, 1, "");
		LLVMSetAlignment(LLVMBuildStore(c->b, LLVMConstInt(ut, 0, false), p), unit);
		loop_end(c, &l);
		dst = cg_gep(c, dst, words * unit);
		align = cg_align_of(words * unit, align);
		n -= words * unit;
	}
	if (n)
		LLVMBuildMemSet(c->b, dst, LLVMConstInt(c->i8, 0, false), cg_const(c, n), align ? align : 1);
}

void cg_memcpy(struct cg *c, LLVMValueRef dst, unsigned dst_align, LLVMValueRef src, unsigned src_align, uint32_t n)
{
	unsigned unit = unit_of(dst_align < src_align ? dst_align : src_align);
	uint32_t words = n / unit;
	if (words > BYTES_INLINE) {
		LLVMTypeRef ut = unit_type(c, unit);
		struct cg_count l = loop_begin(c, cg_const(c, words), "copy");
		LLVMValueRef v = LLVMBuildLoad2(c->b, ut, LLVMBuildGEP2(c->b, ut, src, &l.i, 1, ""), "");
		LLVMSetAlignment(v, unit);
		LLVMSetAlignment(LLVMBuildStore(c->b, v, LLVMBuildGEP2(c->b, ut, dst, &l.i, 1, "")), unit);
		loop_end(c, &l);
		dst = cg_gep(c, dst, words * unit);
		src = cg_gep(c, src, words * unit);
		dst_align = cg_align_of(words * unit, dst_align);
		src_align = cg_align_of(words * unit, src_align);
		n -= words * unit;
	}
	if (n)
		LLVMBuildMemCpy(c->b, dst, dst_align ? dst_align : 1, src, src_align ? src_align : 1, cg_const(c, n));
}
