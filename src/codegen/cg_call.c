/* cg_call: the emitters of functions and aggregations: events to user space, map updates, string helpers. */
#include <string.h>

#include "codegen/cg_impl.h"

enum { BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2 };

static struct cg_val none(struct cg *c) { return cg_val_scalar(cg_const(c, 0)); }

int cg_event_add(struct cg *c, enum desc_event_kind k, struct span at)
{
	struct desc *d = c->desc;
	d->events = arena_grow(c->a, d->events, d->nevents, &c->capevents, sizeof(*d->events));
	d->events[d->nevents] = (struct desc_event){ .kind = k, .map = -1, .line = at.line, .col = at.col, .at = at,
						     .size = sizeof(struct desc_event_hdr) };
	return (int)d->nevents++;
}

void cg_helper_check(struct cg *c, unsigned level, struct span at, const char *name, LLVMValueRef failed,
		     LLVMValueRef code)
{
	if (!c->opts || c->opts->helper_errors < level)
		return;
	LLVMBasicBlockRef bad = cg_block(c, "helper_err"), cont = cg_block(c, "helper_ok");
	LLVMBuildCondBr(c->b, failed, bad, cont);
	LLVMPositionBuilderAtEnd(c->b, bad);
	int ev = cg_event_add(c, DESC_EV_HELPER_ERROR, at);
	c->desc->events[ev].fmt = name;
	c->desc->events[ev].size = sizeof(struct desc_event_hdr) + 8;
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, sizeof(struct desc_event_hdr) + 8, &done);
	cg_store_int(c, cg_gep(c, rec, sizeof(struct desc_event_hdr)), code, 8);
	cg_event_submit(c, rec, false, done);
	LLVMBuildBr(c->b, cont);
	LLVMPositionBuilderAtEnd(c->b, cont);
}

/* Reserve a record in the ring buffer and write its header; on no room,
 * count a lost event and skip to `done`. */
LLVMValueRef cg_event_begin(struct cg *c, int ev, uint32_t size, LLVMBasicBlockRef *done)
{
	LLVMValueRef args[3] = { cg_map_ptr(c, c->desc->ringbuf_map), cg_const(c, size), cg_const(c, 0) };
	LLVMValueRef rec = cg_helper(c, H_RINGBUF_RESERVE, c->ptr, args, 3);
	LLVMBasicBlockRef lost = cg_block(c, "ev_lost"), ok = cg_block(c, "ev_ok");
	*done = cg_block(c, "ev_done");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, rec, ""), lost, ok);

	LLVMPositionBuilderAtEnd(c->b, lost);
	LLVMBuildAtomicRMW(c->b, LLVMAtomicRMWBinOpAdd, cg_map_ptr(c, c->desc->lost_map), cg_const(c, 1),
			   LLVMAtomicOrderingMonotonic, false);
	LLVMBuildBr(c->b, *done);

	LLVMPositionBuilderAtEnd(c->b, ok);
	cg_store_int(c, rec, LLVMConstInt(c->i64, (unsigned)ev, false), 8);
	return rec;
}

/* Events are submitted without waking the reader, which finds them on its
 * next short poll (RT_POLL_MS): a wakeup is a VM exit on this machine
 * (performance-anchors.md), most of what printf costs bpftrace. The 4 MiB
 * ring buffer would need over 400 MB/s of events to fill between polls.
 * exit() wakes the reader at once. */
void cg_event_submit(struct cg *c, LLVMValueRef rec, bool wake, LLVMBasicBlockRef done)
{
	LLVMValueRef sa[2] = { rec, cg_const(c, wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP) };
	cg_helper(c, H_RINGBUF_SUBMIT, LLVMVoidTypeInContext(c->ctx), sa, 2);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
}

/* The type an argument travels as: ints widened to 64 bits (an enum's
 * keeping its constants' names). */
static const struct ty *wire_type(struct cg *c, const struct ty *t)
{
	if (t->kind == TY_INT || t->kind == TY_BOOL)
		return t->kind == TY_BOOL ? t : ty_widen(c->a, t);
	return t;
}

/* printf and print(value): the arguments packed after the header, each at
 * its alignment; the format stays in user space. */
static struct cg_val emit_values(struct cg *c, struct ast *n, enum desc_event_kind k, struct ast *first,
				 const char *fmt)
{
	int ev = cg_event_add(c, k, n->span);
	unsigned nargs = ast_list_len(first);
	struct desc_arg *args = arena_alloc(c->a, (nargs + 1) * sizeof(*args));
	uint32_t off = sizeof(struct desc_event_hdr);
	unsigned i = 0;
	for (struct ast *a = first; a; a = a->next, i++) {
		const struct ty *t = wire_type(c, a->type);
		/* Every argument 8-aligned: strings then copy a word at a time. */
		off = (off + 7) & ~7u;
		args[i] = (struct desc_arg){ t, off };
		off += ty_size(t);
	}
	uint32_t size = (off + 7) & ~7u;
	struct desc_event *e = &c->desc->events[ev];
	e->fmt = fmt;
	if (n->expanded_from)
		e->from = *n->expanded_from;
	e->args = args;
	e->nargs = nargs;
	e->size = size;
	/* The record first, the values written straight into it: no staging
	 * copy, and nothing computed when the ring buffer is full. */
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, size, &done);
	i = 0;
	for (struct ast *a = first; a; a = a->next, i++)
		cg_store_expr(c, cg_gep(c, rec, args[i].offset), 8, args[i].type, a);
	cg_event_submit(c, rec, false, done);
	return none(c);
}

static struct cg_val simple_event(struct cg *c, struct ast *n, enum desc_event_kind k, int map, bool wake)
{
	int ev = cg_event_add(c, k, n->span);
	c->desc->events[ev].map = map;
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, sizeof(struct desc_event_hdr), &done);
	cg_event_submit(c, rec, wake, done);
	return none(c);
}

static int64_t const_arg(struct ast *a)
{
	if (a->kind == AST_UNARY && a->unary.op == AST_OP_NEG)
		return -(int64_t)a->unary.e->num.value;
	return (int64_t)a->num.value;
}

struct cg_val cg_emit_print(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args;
	if (a->type && ((const struct ty *)a->type)->kind == TY_MAP) {
		int ev = cg_event_add(c, DESC_EV_PRINT_MAP, n->span);
		struct desc_event *e = &c->desc->events[ev];
		e->map = cg_user_map(c, a->map.name);
		if (a->next)
			e->top = (uint64_t)const_arg(a->next);
		if (a->next && a->next->next)
			e->div = (uint64_t)const_arg(a->next->next);
		LLVMBasicBlockRef done;
		LLVMValueRef rec = cg_event_begin(c, ev, sizeof(struct desc_event_hdr), &done);
		cg_event_submit(c, rec, false, done);
		return none(c);
	}
	return emit_values(c, n, DESC_EV_PRINT_VALUE, a, NULL);
}

/* Whether the program probes user space (the runtime's own test, run.c). */
static bool probes_user_space(const struct cg *c)
{
	for (unsigned i = 0; i < c->s->nexp; i++)
		if (c->s->exp[i].type == PROBE_UPROBE || c->s->exp[i].type == PROBE_URETPROBE ||
		    c->s->exp[i].type == PROBE_USDT)
			return true;
	return false;
}

struct cg_val cg_emit_exit(struct cg *c, struct ast *n)
{
	int ev = cg_event_add(c, DESC_EV_EXIT, n->span);
	struct desc_arg *arg = arena_alloc(c->a, sizeof(*arg));
	*arg = (struct desc_arg){ ty_int(8, true), sizeof(struct desc_event_hdr) };
	c->desc->events[ev].args = arg;
	c->desc->events[ev].nargs = 1;
	c->desc->events[ev].size = 24;
	LLVMValueRef code = n->call.args ? cg_scalar(c, n->call.args) : cg_const(c, 0);
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, 24, &done);
	cg_store_int(c, cg_gep(c, rec, 8), code, 8);
	/* The lost count as the record is made: the runtime reports only
	 * what was lost before it (the output after exit() is dropped). */
	cg_store_int(c, cg_gep(c, rec, 16),
		     LLVMBuildLoad2(c->b, c->i64, cg_map_ptr(c, c->desc->lost_map), ""), 8);
	/* exit wakes the reader at once: bpftrace's 200 ms exit is a poll timeout. */
	cg_event_submit(c, rec, true, done);
	if (!probes_user_space(c)) {
		/* Timer and tracepoint programs stop at exit() (run.c gives
		 * user-space probes a grace instead): the stop flag set here,
		 * not when the runtime reads the record, so that a loaded
		 * machine's slower reader does not let an interval:ms:1 fire
		 * on with the state exit() left (upstream's tseries cases). */
		LLVMValueRef flag = cg_gep(c, cg_map_ptr(c, c->desc->lost_map), 8);
		LLVMBuildStore(c->b, cg_const(c, 1), flag);
	}
	/* The probe ends here, as bpftrace's does: nothing after exit() runs.
	 * What follows is built into a block nothing reaches. */
	LLVMBuildRet(c->b, cg_const(c, 0));
	LLVMPositionBuilderAtEnd(c->b, cg_block(c, "after_exit"));
	return none(c);
}

struct cg_val cg_emit_delete(struct cg *c, struct ast *n)
{
	struct ast *m = n->call.args;
	int dm = cg_user_map(c, m->map.name);
	/* delete(@m[key]) or delete(@m, key): the key is the last argument */
	LLVMValueRef key = cg_map_key(c, m->next ? m->next : m->map.keys, dm);
	if (c->desc->maps[dm].bpf_type == 6 /* BPF_MAP_TYPE_PERCPU_ARRAY */) {
		/* an array entry cannot be deleted: zeroed, it reads as never updated */
		LLVMValueRef val = cg_tmp(c, c->desc->maps[dm].value_size);
		cg_memset(c, val, 8, c->desc->maps[dm].value_size);
		LLVMValueRef ua[4] = { cg_map_ptr(c, dm), key, val, cg_const(c, 0) };
		LLVMValueRef r = cg_helper(c, H_MAP_UPDATE, c->i64, ua, 4);
		return cg_val_scalar(LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, r, cg_const(c, 0), ""), c->i64, ""));
	}
	LLVMValueRef args[2] = { cg_map_ptr(c, dm), key };
	LLVMValueRef r = cg_helper(c, H_MAP_DELETE, c->i64, args, 2);
	LLVMValueRef failed = LLVMBuildICmp(c->b, LLVMIntSLT, r, cg_const(c, 0), "");
	cg_helper_check(c, 1, n->span, "map_delete_elem", failed, r);
	return cg_val_scalar(LLVMBuildZExt(c->b, LLVMBuildNot(c->b, failed, ""), c->i64, ""));
}

struct cg_val cg_emit_has_key(struct cg *c, struct ast *n)
{
	struct ast *m = n->call.args, *k = m->next;
	int dm = cg_user_map(c, m->map.name);
	LLVMValueRef key = cg_map_key(c, k, dm);
	LLVMValueRef args[2] = { cg_map_ptr(c, dm), key };
	LLVMValueRef p = cg_helper(c, H_MAP_LOOKUP, c->ptr, args, 2);
	return cg_val_scalar(LLVMBuildZExt(c->b, LLVMBuildIsNotNull(c->b, p, ""), c->i64, ""));
}

struct cg_val cg_emit_str(struct cg *c, struct ast *n)
{
	if (cg_type(n->call.args)->kind == TY_STRING)
		return cg_expr(c, n->call.args);
	return (struct cg_val){ cg_str_read(c, n, NULL, 0), true, 8 };
}

LLVMValueRef cg_str_read(struct cg *c, struct ast *n, LLVMValueRef dst, uint32_t dst_size)
{
	const struct ty *t = n->type, *at = n->call.args->type;
	LLVMValueRef addr = cg_scalar(c, n->call.args);
	bool data_loc = at->kind == TY_INT && at->name && !strcmp(at->name, "__data_loc");
	if (data_loc) {
		/* A tracepoint's __data_loc field: the data sits in the record itself,
		 * at the offset in the low 16 bits. */
		LLVMValueRef base = LLVMBuildPtrToInt(c->b, c->ctxarg, c->i64, "");
		addr = LLVMBuildAdd(c->b, base, LLVMBuildAnd(c->b, addr, cg_const(c, 0xffff), ""), "");
	}
	/* Current bpftrace's sizes: a length counts the NUL (str(p, 5) is at
	 * most four characters, of type string[6]); without one, or past the
	 * capacity, the read is one byte longer than the value (under 1024), so
	 * a string that did not fit fills the value with no NUL, and prints
	 * with the truncation trailer. */
	struct ast *la = n->call.args->next;
	bool lit = la && (la->kind == AST_INT || la->kind == AST_POSITIONAL);
	uint32_t room = t->size < 1024 ? t->size + 1 : t->size;
	/* a literal length that fits (str(p, 8) with max_strlen 9 too: its type is
	 * string[9] as str(p)'s, but it reads 8 bytes, never the trailer) */
	bool fits = lit && (t->size < c->s->max_strlen ||
			    (la->kind == AST_INT && (uint64_t)la->num.value + 1 <= c->s->max_strlen));
	uint32_t want = fits ? t->size - 1 : room;
	/* straight into the destination when it has the room (a map key or
	 * value: no staging copy, which for 9999-byte strings is scratch) */
	LLVMValueRef buf = dst && dst_size >= room ? dst : cg_tmp(c, room);
	if (buf == dst)
		room = dst_size;
	LLVMValueRef len = LLVMConstInt(c->i32, want, false);
	if (la && !lit) {
		/* a run-time length, bounded by the room */
		LLVMValueRef l = cg_scalar(c, la);
		LLVMValueRef ok = LLVMBuildICmp(c->b, LLVMIntULE, l, cg_const(c, room), "");
		l = LLVMBuildSelect(c->b, ok, l, cg_const(c, room), "");
		len = LLVMBuildTrunc(c->b, l, c->i32, "");
	}
	cg_memset(c, buf, buf == dst ? 1 : 8, room);
	enum ty_addrspace as = at->kind == TY_PTR || at->as ? at->as : data_loc ? TY_AS_KERNEL : cg_int_as(c);
	enum cg_helper h = as == TY_AS_USER ? H_PROBE_READ_USER_STR : as == TY_AS_KERNEL ? H_PROBE_READ_KERNEL_STR
											: H_PROBE_READ_STR;
	LLVMValueRef args[3] = { buf, len, LLVMBuildIntToPtr(c->b, addr, c->ptr, "") };
	LLVMValueRef r = cg_helper(c, h, c->i64, args, 3);
	cg_helper_check(c, 1, n->span, h == H_PROBE_READ_USER_STR ? "probe_read_user_str" : h == H_PROBE_READ_KERNEL_STR
				       ? "probe_read_kernel_str" : "probe_read_str",
			LLVMBuildICmp(c->b, LLVMIntSLT, r, cg_const(c, 0), ""), r);
	return buf;
}

/* strncmp(a, b, n): 0 when the first n bytes agree (stopping at a NUL). */
struct cg_val cg_emit_strncmp(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args, *b = a->next, *len = b->next;
	struct cg_val x = cg_expr(c, a), y = cg_expr(c, b);
	uint32_t lim = (uint32_t)len->num.value;
	uint32_t as = ((const struct ty *)a->type)->size, bs = ((const struct ty *)b->type)->size;
	if (lim > as)
		lim = as;
	if (lim > bs)
		lim = bs;
	LLVMBasicBlockRef done;
	LLVMValueRef differ = cg_bytes_compare(c, x.v, y.v, lim, &done);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	return cg_val_scalar(LLVMBuildLoad2(c->b, c->i64, differ, ""));
}

/* strcontains(hay, needle): a bounded search (cg_bytes.c), the needle's
 * length at most its capacity. */
struct cg_val cg_emit_strcontains(struct cg *c, struct ast *n)
{
	struct ast *h = n->call.args, *nd = h->next;
	struct cg_val hay = cg_expr(c, h), needle = cg_expr(c, nd);
	uint32_t hs = ((const struct ty *)h->type)->size, ns = ((const struct ty *)nd->type)->size;
	if (nd->kind == AST_STRING)
		ns = nd->str.len + 1;
	return cg_val_scalar(cg_bytes_contains(c, hay.v, hs, needle.v, ns));
}

/* A timestamp value: { u32 format index; u32 mode (1: since boot); u64 ns }. */
struct cg_val cg_emit_strftime(struct cg *c, struct ast *n)
{
	struct desc *d = c->desc;
	d->strftime_fmts = arena_grow(c->a, d->strftime_fmts, d->nstrftime, &c->capstrftime, sizeof(*d->strftime_fmts));
	d->strftime_fmts[d->nstrftime] = n->call.args->str.s;
	LLVMValueRef ns = cg_scalar(c, n->call.args->next);
	LLVMValueRef buf = cg_tmp(c, 16);
	cg_store_int(c, buf, LLVMConstInt(c->i64, d->nstrftime++, false), 4);
	cg_store_int(c, cg_gep(c, buf, 4), cg_const(c, 1), 4);
	cg_store_int(c, cg_gep(c, buf, 8), ns, 8);
	return (struct cg_val){ buf, true, 8 };
}

struct cg_val cg_emit_time(struct cg *c, struct ast *n)
{
	int ev = cg_event_add(c, DESC_EV_TIME, n->span);
	c->desc->events[ev].fmt = n->call.args ? n->call.args->str.s : "%H:%M:%S\n";
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, sizeof(struct desc_event_hdr), &done);
	cg_event_submit(c, rec, false, done);
	return none(c);
}

/* join(argv, sep): up to JOIN_ARGS strings of JOIN_LEN bytes, read one
 * pointer at a time until a NULL one; the first empty slot ends the list
 * for the output module (ring-buffer records are not zeroed). */
#define JOIN_ARGS 16
#define JOIN_LEN 256
struct cg_val cg_emit_join(struct cg *c, struct ast *n)
{
	struct ast *a = n->call.args;
	const struct ty *pt = a->type;
	enum ty_addrspace as = pt->kind == TY_PTR || pt->as ? pt->as : cg_int_as(c);
	enum cg_helper rd = as == TY_AS_USER ? H_PROBE_READ_USER : as == TY_AS_KERNEL ? H_PROBE_READ_KERNEL : H_PROBE_READ;
	enum cg_helper rds = as == TY_AS_USER ? H_PROBE_READ_USER_STR : as == TY_AS_KERNEL ? H_PROBE_READ_KERNEL_STR
										: H_PROBE_READ_STR;
	int ev = cg_event_add(c, DESC_EV_JOIN, n->span);
	struct desc_arg *arg = arena_alloc(c->a, sizeof(*arg));
	*arg = (struct desc_arg){ ty_array(c->a, ty_string(c->a, JOIN_LEN), JOIN_ARGS), sizeof(struct desc_event_hdr) };
	struct desc_event *e = &c->desc->events[ev];
	e->args = arg;
	e->nargs = 1;
	e->size = sizeof(struct desc_event_hdr) + JOIN_ARGS * JOIN_LEN;
	e->fmt = a->next ? a->next->str.s : " ";
	LLVMValueRef argv = cg_scalar(c, a);
	LLVMValueRef ptr = cg_alloca(c, 8);
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_begin(c, ev, e->size, &done);
	LLVMBasicBlockRef end = cg_block(c, "join_end");
	for (unsigned i = 0; i < JOIN_ARGS; i++) {
		LLVMValueRef slot = cg_gep(c, rec, (uint32_t)(sizeof(struct desc_event_hdr) + i * JOIN_LEN));
		LLVMValueRef at = LLVMBuildAdd(c->b, argv, cg_const(c, 8ull * i), "");
		LLVMValueRef ra[3] = { ptr, LLVMConstInt(c->i32, 8, false), LLVMBuildIntToPtr(c->b, at, c->ptr, "") };
		LLVMBuildStore(c->b, cg_const(c, 0), ptr);
		cg_helper(c, rd, c->i64, ra, 3);
		LLVMValueRef p = LLVMBuildLoad2(c->b, c->i64, ptr, "");
		LLVMBasicBlockRef last = cg_block(c, "join_null"), more = cg_block(c, "join_str");
		LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, p, cg_const(c, 0), ""), last, more);
		LLVMPositionBuilderAtEnd(c->b, last);
		cg_store_int(c, slot, cg_const(c, 0), 1); /* the list ends here */
		LLVMBuildBr(c->b, end);
		LLVMPositionBuilderAtEnd(c->b, more);
		LLVMValueRef sa[3] = { slot, LLVMConstInt(c->i32, JOIN_LEN, false), LLVMBuildIntToPtr(c->b, p, c->ptr, "") };
		cg_helper(c, rds, c->i64, sa, 3);
	}
	LLVMBuildBr(c->b, end);
	LLVMPositionBuilderAtEnd(c->b, end);
	cg_event_submit(c, rec, false, done);
	return none(c);
}

struct cg_val cg_emit_printf(struct cg *c, struct ast *n)
{
	return emit_values(c, n, DESC_EV_PRINTF, n->call.args->next, n->call.args->str.s);
}

/* cat() and system() travel as printf does; user space formats the path or
 * command and reads the file or runs it (run.c). */
struct cg_val cg_emit_cat(struct cg *c, struct ast *n)
{
	return emit_values(c, n, DESC_EV_CAT, n->call.args->next, n->call.args->str.s);
}

struct cg_val cg_emit_errorf(struct cg *c, struct ast *n)
{
	return emit_values(c, n, DESC_EV_ERRORF, n->call.args->next, n->call.args->str.s);
}

struct cg_val cg_emit_warnf(struct cg *c, struct ast *n)
{
	return emit_values(c, n, DESC_EV_WARNF, n->call.args->next, n->call.args->str.s);
}

struct cg_val cg_emit_system(struct cg *c, struct ast *n)
{
	return emit_values(c, n, DESC_EV_SYSTEM, n->call.args->next, n->call.args->str.s);
}

struct cg_val cg_emit_clear(struct cg *c, struct ast *n)
{
	return simple_event(c, n, DESC_EV_CLEAR, cg_user_map(c, n->call.args->map.name), false);
}

struct cg_val cg_emit_zero(struct cg *c, struct ast *n)
{
	return simple_event(c, n, DESC_EV_ZERO, cg_user_map(c, n->call.args->map.name), false);
}

/* ---- aggregations: @m[k] = count(), sum(x), ..., hist(x), lhist(x, ...) ---- */

/* log2 bucket of bpftrace's hist(): 0 for negatives, 1 for 0, then
 * 2 + floor(log2(v)); with k bits each power of two splits in 2^k. */
static LLVMValueRef hist_bucket(struct cg *c, LLVMValueRef v, unsigned k)
{
	LLVMValueRef zero = cg_const(c, 0);
	/* floor(log2(v)) for v > 0, by halving the search range six times */
	/* k = 0: floor(log2(2v)) + 1 is 1 for v = 0 and log2(v) + 2 above it,
	 * so zero needs no test of its own. A branch per step (test, shift,
	 * add: 3 instructions) rather than selects, which BPF lacks (5 per step). */
	LLVMValueRef x = k == 0 ? LLVMBuildShl(c->b, v, cg_const(c, 1), "") : v, lg = zero;
	for (int s = 32; s >= 1; s /= 2) {
		LLVMBasicBlockRef from = LLVMGetInsertBlock(c->b);
		LLVMBasicBlockRef big = cg_block(c, "log2_big"), next = cg_block(c, "log2_next");
		/* x >= 2^32 as (x >> 32) != 0: no 64-bit constant, which takes two slots */
		LLVMValueRef test = s == 32 ? LLVMBuildICmp(c->b, LLVMIntNE, LLVMBuildLShr(c->b, x, cg_const(c, 32), ""),
							    zero, "")
					    : LLVMBuildICmp(c->b, LLVMIntUGE, x, cg_const(c, 1ull << s), "");
		LLVMBuildCondBr(c->b, test, big, next);
		LLVMPositionBuilderAtEnd(c->b, big);
		LLVMValueRef x2 = LLVMBuildLShr(c->b, x, cg_const(c, (unsigned)s), "");
		LLVMValueRef lg2 = LLVMBuildAdd(c->b, lg, cg_const(c, (unsigned)s), "");
		LLVMBuildBr(c->b, next);
		LLVMPositionBuilderAtEnd(c->b, next);
		LLVMValueRef px = LLVMBuildPhi(c->b, c->i64, ""), pl = LLVMBuildPhi(c->b, c->i64, "");
		LLVMValueRef xs[2] = { x, x2 }, ls[2] = { lg, lg2 };
		LLVMBasicBlockRef bbs[2] = { from, big };
		LLVMAddIncoming(px, xs, bbs, 2);
		LLVMAddIncoming(pl, ls, bbs, 2);
		x = px;
		lg = pl;
	}
	LLVMValueRef idx;
	if (k == 0) {
		idx = LLVMBuildAdd(c->b, lg, cg_const(c, 1), "");
		LLVMValueRef neg0 = LLVMBuildICmp(c->b, LLVMIntSLT, v, zero, "");
		return LLVMBuildSelect(c->b, neg0, zero, idx, "");
	} else {
		/* values below 2^k are buckets of their own; above, 2^k sub-buckets per power */
		LLVMValueRef small = LLVMBuildICmp(c->b, LLVMIntULT, v, cg_const(c, 1ull << k), "");
		LLVMValueRef small_idx = LLVMBuildAdd(c->b, v, cg_const(c, 1), "");
		LLVMValueRef shift = LLVMBuildSub(c->b, lg, cg_const(c, k), "");
		LLVMValueRef sub = LLVMBuildAnd(c->b, LLVMBuildLShr(c->b, v, shift, ""), cg_const(c, (1ull << k) - 1), "");
		LLVMValueRef big_idx = LLVMBuildAdd(c->b,
			LLVMBuildAdd(c->b, LLVMBuildMul(c->b, LLVMBuildSub(c->b, lg, cg_const(c, k), ""),
							cg_const(c, 1ull << k), ""), sub, ""),
			cg_const(c, (1ull << k) + 1), "");
		idx = LLVMBuildSelect(c->b, small, small_idx, big_idx, "");
	}
	LLVMValueRef is_zero = LLVMBuildICmp(c->b, LLVMIntEQ, v, zero, "");
	LLVMValueRef neg = LLVMBuildICmp(c->b, LLVMIntSLT, v, zero, "");
	idx = LLVMBuildSelect(c->b, is_zero, cg_const(c, 1), idx, "");
	return LLVMBuildSelect(c->b, neg, zero, idx, "");
}

/* lhist: 0 below min, then one bucket per step, the last one max and above. */
static LLVMValueRef lhist_bucket(struct cg *c, LLVMValueRef v, const struct ty *t)
{
	int64_t lo = t->lhist_min, hi = t->lhist_max, step = t->lhist_step;
	uint64_t nb = (uint64_t)((hi - lo) / step);
	LLVMValueRef below = LLVMBuildICmp(c->b, LLVMIntSLT, v, cg_const(c, (uint64_t)lo), "");
	LLVMValueRef above = LLVMBuildICmp(c->b, LLVMIntSGE, v, cg_const(c, (uint64_t)hi), "");
	LLVMValueRef rel = LLVMBuildSub(c->b, v, cg_const(c, (uint64_t)lo), "");
	rel = LLVMBuildSelect(c->b, below, cg_const(c, 0), rel, "");
	LLVMValueRef mid = LLVMBuildAdd(c->b, LLVMBuildUDiv(c->b, rel, cg_const(c, (uint64_t)step), ""),
					cg_const(c, 1), "");
	LLVMValueRef idx = LLVMBuildSelect(c->b, above, cg_const(c, nb + 1), mid, "");
	return LLVMBuildSelect(c->b, below, cg_const(c, 0), idx, "");
}

/* tseries' clock: TAI nanoseconds, or under BPFTRACE_DUMMY_TS_MAP=@m the
 * value of the scalar map @m (0 while it has none), so that a test steps
 * time itself. */
static LLVMValueRef tseries_now(struct cg *c)
{
	const char *name = c->opts ? c->opts->dummy_ts_map : NULL;
	struct sema_map *sm = name ? sema_map_find(c->s, name) : NULL;
	int dm = sm ? cg_user_map(c, name) : -1;
	if (dm < 0 || sm->key || !sm->value || sm->value->kind != TY_INT)
		return cg_sw_tai(c);
	LLVMValueRef key = cg_tmp(c, 8);
	cg_store_int(c, key, cg_const(c, 0), 8);
	LLVMValueRef la[2] = { cg_map_ptr(c, dm), key };
	LLVMValueRef p = cg_helper(c, H_MAP_LOOKUP, c->ptr, la, 2);
	LLVMValueRef slot = cg_alloca(c, 8);
	cg_store_int(c, slot, cg_const(c, 0), 8);
	LLVMBasicBlockRef hit = cg_block(c, "ts_clock"), done = cg_block(c, "ts_clock_done");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), done, hit);
	LLVMPositionBuilderAtEnd(c->b, hit);
	LLVMValueRef v = LLVMBuildLoad2(c->b, LLVMIntTypeInContext(c->ctx, 8 * ty_size(sm->value)), p, "");
	cg_store_int(c, slot, LLVMBuildZExt(c->b, v, c->i64, ""), 8);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
	return LLVMBuildLoad2(c->b, c->i64, slot, "");
}

/* @m[k] = tseries(x, interval, n, fold): the slot of the current interval
 * (epoch = now / interval, slot = epoch % n) in this CPU's copy. A slot last
 * written in another epoch starts over; a new one starts from zero (min/max
 * take x while meta says no value is set). The output module keeps, per
 * slot, the newest epoch over the CPUs. */
static void tseries_update(struct cg *c, int dm, const struct ty *vt, LLVMValueRef key, LLVMValueRef x,
			   uint32_t slot_off)
{
	enum ty_tseries_fn fold = (enum ty_tseries_fn)vt->lhist_min;
	LLVMValueRef now = tseries_now(c);
	LLVMValueRef epoch = LLVMBuildUDiv(c->b, now, cg_const(c, (uint64_t)vt->lhist_step), "");
	cg_store_int(c, cg_gep(c, key, slot_off), LLVMBuildURem(c->b, epoch, cg_const(c, (uint64_t)vt->lhist_max), ""), 8);
	LLVMValueRef la[2] = { cg_map_ptr(c, dm), key };
	LLVMValueRef p = cg_helper(c, H_MAP_LOOKUP, c->ptr, la, 2);
	LLVMValueRef fresh = cg_alloca(c, 24);
	LLVMBasicBlockRef found = cg_block(c, "ts_found"), miss = cg_block(c, "ts_new"), upd = cg_block(c, "ts_update");
	LLVMBasicBlockRef store = cg_block(c, "ts_store"), done = cg_block(c, "ts_done");
	LLVMValueRef is_new = LLVMBuildIsNull(c->b, p, "");
	LLVMBuildCondBr(c->b, is_new, miss, found);

	LLVMPositionBuilderAtEnd(c->b, miss);
	cg_memset(c, fresh, 8, 24);
	cg_store_int(c, cg_gep(c, fresh, 16), epoch, 8);
	LLVMBuildBr(c->b, upd);

	LLVMPositionBuilderAtEnd(c->b, found);
	if (fold != TY_TS_LAST) {
		/* an older epoch's value in this slot: start over */
		LLVMValueRef old = LLVMBuildLoad2(c->b, c->i64, cg_gep(c, p, 16), "");
		LLVMValueRef stale = LLVMBuildICmp(c->b, LLVMIntNE, old, epoch, "");
		LLVMValueRef keep = LLVMBuildSelect(c->b, stale, cg_const(c, 0), cg_const(c, ~0ull), "");
		for (uint32_t off = 0; off < 16; off += 8) {
			LLVMValueRef f = cg_gep(c, p, off);
			LLVMBuildStore(c->b, LLVMBuildAnd(c->b, LLVMBuildLoad2(c->b, c->i64, f, ""), keep, ""), f);
		}
	}
	LLVMBuildBr(c->b, upd);

	LLVMPositionBuilderAtEnd(c->b, upd);
	LLVMValueRef ptr = LLVMBuildPhi(c->b, c->ptr, "");
	LLVMValueRef in[2] = { fresh, p };
	LLVMBasicBlockRef from[2] = { miss, found };
	LLVMAddIncoming(ptr, in, from, 2);
	LLVMValueRef vp = ptr, mp = cg_gep(c, ptr, 8);
	LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, vp, ""), meta = LLVMBuildLoad2(c->b, c->i64, mp, "");
	switch (fold) {
	case TY_TS_LAST:
		LLVMBuildStore(c->b, x, vp);
		LLVMBuildStore(c->b, now, mp);
		break;
	case TY_TS_AVG:
		LLVMBuildStore(c->b, LLVMBuildAdd(c->b, meta, cg_const(c, 1), ""), mp);
		/* fall through */
	case TY_TS_SUM:
		LLVMBuildStore(c->b, LLVMBuildAdd(c->b, v, x, ""), vp);
		break;
	case TY_TS_MIN: case TY_TS_MAX: {
		const struct ty *at = vt->agg_arg;
		bool sgn = !at || at->kind != TY_INT || at->is_signed || at->size < 8;
		LLVMIntPredicate pr = fold == TY_TS_MIN ? (sgn ? LLVMIntSLT : LLVMIntULT) : (sgn ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef unset = LLVMBuildICmp(c->b, LLVMIntEQ, meta, cg_const(c, 0), "");
		LLVMValueRef better = LLVMBuildOr(c->b, unset, LLVMBuildICmp(c->b, pr, x, v, ""), "");
		LLVMBuildStore(c->b, LLVMBuildSelect(c->b, better, x, v, ""), vp);
		LLVMBuildStore(c->b, cg_const(c, 1), mp);
		break;
	}
	}
	cg_store_int(c, cg_gep(c, ptr, 16), epoch, 8);
	LLVMBuildCondBr(c->b, is_new, store, done);

	LLVMPositionBuilderAtEnd(c->b, store);
	cg_map_update(c, dm, key, fresh);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
}

void cg_map_assign_agg(struct cg *c, struct ast *map, struct ast *call)
{
	int dm = cg_user_map(c, map->map.name);
	const struct ty *vt = c->desc->maps[dm].value;
	LLVMValueRef x = call->call.args ? cg_scalar(c, call->call.args) : cg_const(c, 1);
	LLVMValueRef key = cg_map_key(c, map->map.keys, dm);
	if (vt->agg == TY_AGG_TSERIES) {
		uint32_t ko = map->map.keys ? (ty_size(c->desc->maps[dm].key) + 7) & ~7u : 0;
		tseries_update(c, dm, vt, key, x, ko);
		return;
	}
	if (vt->agg == TY_AGG_HIST || vt->agg == TY_AGG_LHIST) {
		LLVMValueRef b = vt->agg == TY_AGG_HIST ? hist_bucket(c, x, vt->hist_bits) : lhist_bucket(c, x, vt);
		uint32_t ko = map->map.keys ? (ty_size(c->desc->maps[dm].key) + 7) & ~7u : 0;
		if (c->desc->maps[dm].bpf_type == 6 /* BPF_MAP_TYPE_PERCPU_ARRAY: the index alone (cg_maps_user) */)
			cg_store_int(c, key, LLVMBuildTrunc(c->b, b, c->i32, ""), 4);
		else
			cg_store_int(c, cg_gep(c, key, ko), b, 8);
		x = cg_const(c, 1);
	}
	LLVMValueRef la[2] = { cg_map_ptr(c, dm), key };
	LLVMValueRef p = cg_helper(c, H_MAP_LOOKUP, c->ptr, la, 2);
	LLVMBasicBlockRef found = cg_block(c, "agg_found"), miss = cg_block(c, "agg_new"), done = cg_block(c, "agg_done");
	LLVMBuildCondBr(c->b, LLVMBuildIsNull(c->b, p, ""), miss, found);

	/* Per-CPU values: this CPU's copy is ours, updated in place. */
	LLVMPositionBuilderAtEnd(c->b, found);
	LLVMValueRef second = cg_gep(c, p, 8);
	LLVMValueRef cur = LLVMBuildLoad2(c->b, c->i64, p, "");
	switch (vt->agg) {
	case TY_AGG_COUNT: case TY_AGG_SUM: case TY_AGG_HIST: case TY_AGG_LHIST:
		LLVMBuildStore(c->b, LLVMBuildAdd(c->b, cur, x, ""), p);
		break;
	case TY_AGG_AVG: case TY_AGG_STATS:
		LLVMBuildStore(c->b, LLVMBuildAdd(c->b, cur, x, ""), p);
		LLVMBuildStore(c->b, LLVMBuildAdd(c->b, LLVMBuildLoad2(c->b, c->i64, second, ""), cg_const(c, 1), ""), second);
		break;
	case TY_AGG_MIN: case TY_AGG_MAX: {
		bool sgn = !vt->agg_arg || vt->agg_arg->kind != TY_INT || vt->agg_arg->is_signed ||
			   vt->agg_arg->size < 8;
		LLVMIntPredicate pr = vt->agg == TY_AGG_MIN ? (sgn ? LLVMIntSLT : LLVMIntULT) : (sgn ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef unset = LLVMBuildICmp(c->b, LLVMIntEQ, LLVMBuildLoad2(c->b, c->i64, second, ""), cg_const(c, 0), "");
		LLVMValueRef better = LLVMBuildOr(c->b, unset, LLVMBuildICmp(c->b, pr, x, cur, ""), "");
		LLVMBuildStore(c->b, LLVMBuildSelect(c->b, better, x, cur, ""), p);
		LLVMBuildStore(c->b, cg_const(c, 1), second);
		break;
	}
	case TY_AGG_NONE: case TY_AGG_TSERIES:
		break;
	}
	if (c->desc->maps[dm].bpf_type == 6 /* BPF_MAP_TYPE_PERCPU_ARRAY */)
		cg_store_int(c, cg_gep(c, p, c->desc->maps[dm].value_size - 8), cg_const(c, 1), 8); /* present */
	LLVMBuildBr(c->b, done);

	LLVMPositionBuilderAtEnd(c->b, miss);
	if (c->desc->maps[dm].bpf_type == 6 /* BPF_MAP_TYPE_PERCPU_ARRAY */) {
		/* an array's one entry always exists: the miss is only for the verifier */
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, done);
		return;
	}
	LLVMValueRef init = cg_alloca(c, 16);
	cg_store_int(c, init, x, 8);
	if (cg_agg_value_size(vt) > 8)
		cg_store_int(c, cg_gep(c, init, 8), cg_const(c, 1), 8);
	cg_map_update(c, dm, key, init);
	LLVMBuildBr(c->b, done);
	LLVMPositionBuilderAtEnd(c->b, done);
}
