/* cg_impl: what the codegen files share: the LLVM handles, the program being built, value helpers. */
#ifndef HAWK_CG_IMPL_H
#define HAWK_CG_IMPL_H

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

#include "common/builtin.h"
#include "ast/sema.h"
#include "codegen/cg.h"
#include "common/desc.h"
#include "probes/provider.h"

/* BPF helper ids (include/uapi/linux/bpf.h). */
enum cg_helper {
	H_MAP_LOOKUP = 1, H_MAP_UPDATE = 2, H_MAP_DELETE = 3, H_PROBE_READ = 4,
	H_PRANDOM = 7, H_SMP_CPU = 8, H_PID_TGID = 14, H_UID_GID = 15, H_COMM = 16,
	H_CURRENT_TASK = 35, H_PROBE_READ_STR = 45, H_CGROUP_ID = 80,
	H_PROBE_READ_USER = 112, H_PROBE_READ_KERNEL = 113, H_PROBE_READ_USER_STR = 114,
	H_PROBE_READ_KERNEL_STR = 115, H_KTIME_BOOT = 125, H_RINGBUF_RESERVE = 131,
	H_RINGBUF_SUBMIT = 132, H_RINGBUF_QUERY = 134, H_JIFFIES = 118, H_GET_STACKID = 27,
	H_KTIME_NS = 5, H_TRACE_PRINTK = 6, H_NUMA_NODE = 42, H_SEND_SIGNAL = 109, H_NS_PID_TGID = 120, H_GET_ATTACH_COOKIE = 174, H_KTIME_TAI = 208,
	H_PROBE_WRITE_USER = 36, H_GET_STACK = 67,
};

/* An expression's value: scalars (ints, bools, pointers) are an i64 in a
 * register; everything else (strings, tuples, records) is the address of
 * bytes laid out as its struct ty says. */
struct cg_val {
	LLVMValueRef v;
	bool mem;
	unsigned align;          /* mem: what the address is known to be aligned to */
};

/* The two usual values, and an expression's type as sema set it. */
static inline struct cg_val cg_val_scalar(LLVMValueRef v)
{
	return (struct cg_val){ v, false, 8 };
}

static inline struct cg_val cg_val_mem(LLVMValueRef v)
{
	return (struct cg_val){ v, true, 8 };
}

static inline const struct ty *cg_type(const struct ast *n)
{
	return n->type;
}

struct cg_var {
	const char *name;
	LLVMValueRef slot;       /* scalars: an i64 alloca; others: the address of the bytes */
	const struct ty *type;
	struct ast *loop;        /* for ($kv : @m) named nowhere else: its storage is taken
	                          * at the loop (cg_for_map), not for the whole probe */
};

struct cg_loop {
	LLVMBasicBlockRef brk, cont;
};

struct cg_core_field {
	const struct ty *rec;
	const struct ty_field *f;
	LLVMMetadataRef di;
};

struct cg {
	struct pass_ctx *pc;
	struct arena *a;
	struct diag *d;
	struct sema *s;
	struct desc *desc;
	const struct cg_opts *opts;
	unsigned errors;
	struct span fatal_at;     /* where an LLVM fatal error is reported */
	struct span largest_at;   /* the probe with the most IR instructions */
	struct span at;           /* the statement being built (cg_location) */
	struct span read_at;      /* the dereference being built, where a failed probe_read
	                           * is reported (bpftrace points there), or line 0: `at` */
	bool scratch_full;        /* reported for this program */
	unsigned largest_n;

	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMDIBuilderRef di;
	LLVMMetadataRef difile, dicu, di_int, di_ptr, di_fnty, di_long;
	LLVMTypeRef i8, i16, i32, i64, ptr;

	/* maps: desc.maps[i] is served by map_globals[i] */
	LLVMValueRef *map_globals;
	size_t capmaps, capglobals, capevents, capprobes, capstrftime;  /* desc arrays' room */
	struct cg_core_field *core;  /* CO-RE debug records made (cg_core.c) */
	size_t ncore, capcore;
	int *user_map;            /* sema map index -> desc map index */
	int scratch_map;          /* -1 until a program needs large temporaries */
	int pids_map;             /* -1 until a program takes a ustack or usym */
	int stacks_map[128];      /* by frame limit: -1 until a program takes such a kstack */
	uint32_t scratch_size;    /* the largest any program needs */

	/* the program being generated */
	struct sema_expansion *exp;
	LLVMValueRef fn, ctxarg;
	LLVMValueRef tp_rec;      /* a dispatched syscall body's tracepoint record (cg_sysdisp.c),
	                           * read in place of the context; NULL elsewhere */
	LLVMValueRef name_idx;    /* a dispatched body shared by a group of probes: which one
	                           * fired, in place of the attach cookie (cg_multi_name) */
	LLVMBasicBlockRef entry, prologue, body;
	LLVMMetadataRef sp;
	LLVMValueRef scratch;     /* this program's scratch pointer, once looked up */
	uint32_t scratch_off;
	uint32_t scratch_keep;    /* scratch below this holds variables: never reused */
	uint32_t stack_used;      /* bytes of temporaries on this program's stack */
	struct cg_var *vars;
	unsigned nvars;
	size_t capvars;
	struct cg_loop loops[32];
	unsigned nloops;
	LLVMValueRef ret_flag;    /* in a loop callback: the caller's "return was reached" slot */
	LLVMValueRef loop_pass, loop_flag; /* this function's array for its loop callbacks, once made */
	unsigned loop_pass_n;     /* its 8-byte slots */
};

/* cg_module.c */
void cg_error(struct cg *c, struct span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
LLVMValueRef cg_helper(struct cg *c, enum cg_helper id, LLVMTypeRef ret, LLVMValueRef *args, unsigned n);
LLVMValueRef cg_const(struct cg *c, uint64_t v);
LLVMValueRef cg_alloca(struct cg *c, uint32_t size);
LLVMValueRef cg_tmp(struct cg *c, uint32_t size);
LLVMValueRef cg_gep(struct cg *c, LLVMValueRef base, uint32_t off);
LLVMValueRef cg_load_int(struct cg *c, LLVMValueRef addr, const struct ty *t);
void cg_store_int(struct cg *c, LLVMValueRef addr, LLVMValueRef v, uint32_t size);
/* dst_align/src_align: the largest power of two the addresses are known to be
 * multiples of; the backend then copies in words, not bytes. */
void cg_memcpy(struct cg *c, LLVMValueRef dst, unsigned dst_align, LLVMValueRef src, unsigned src_align, uint32_t n);
unsigned cg_align_of(uint32_t offset, unsigned base);
void cg_memset(struct cg *c, LLVMValueRef dst, unsigned align, uint32_t n);
LLVMBasicBlockRef cg_block(struct cg *c, const char *name);
/* A function's entry (every alloca, cg_alloca), prologue (the scratch lookup,
 * added when first needed) and body blocks in c->fn; the builder left at the
 * body with at's location. Probes and loop callbacks begin so. */
void cg_fn_begin(struct cg *c, struct span at);
void cg_location(struct cg *c, struct span at);
LLVMValueRef cg_map_ptr(struct cg *c, int desc_map);
/* Values of these types live in memory (struct cg_val.mem); the rest are i64. */
bool cg_is_mem(const struct ty *t);
/* The desc map index of user map `name` (@x). */
int cg_user_map(struct cg *c, const char *name);

/* cg_map.c */
int cg_map_add(struct cg *c, const char *name, const char *bpf_name, enum desc_map_role role,
	       uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries);
void cg_maps_user(struct cg *c);
void cg_map_update(struct cg *c, int dm, LLVMValueRef key, LLVMValueRef val);
void cg_maps_emit(struct cg *c);
uint32_t cg_agg_value_size(const struct ty *v);

/* cg_user.c */
/* Where an integer used as an address points: user memory in uprobe,
 * uretprobe and usdt programs (as in bpftrace), else unknown. */
enum ty_addrspace cg_int_as(const struct cg *c);
LLVMValueRef cg_usdt_arg(struct cg *c, struct ast *n, unsigned i);
/* The hidden uprobe of watchpoint:FUNC+argN: report argN, stop the process
 * unless the watch is asynchronous. */
void cg_watch_setup(struct cg *c, struct sema_expansion *e);
/* Groups each uprobe wildcard's functions in one binary into one program
 * for a uprobe_multi link (sema_expansion.multi_n, multi_lead). */
void cg_multi_groups(struct cg *c);
/* `probe` (func false) or `func` in a grouped program: the name of the
 * function that fired, from a table indexed by the link's cookie. */
struct cg_val cg_multi_name(struct cg *c, bool func, const struct ty *t);

/* cg_expr.c */
struct cg_val cg_expr(struct cg *c, struct ast *n);
/* The bytes of s (len of them) as a constant of size bytes, zero-padded. */
LLVMValueRef cg_const_bytes(struct cg *c, const char *s, uint32_t len, uint32_t size);
/* The same into p (8-aligned, size bytes). */
void cg_const_bytes_at(struct cg *c, LLVMValueRef p, const char *s, uint32_t len, uint32_t size);
/* A string constant of type t (its capacity), truncated to fit. */
struct cg_val cg_const_string(struct cg *c, const char *s, const struct ty *t);
/* size bytes at addr (in address space as; NONE: the probe's own) into dst. */
void cg_probe_read(struct cg *c, LLVMValueRef dst, uint32_t size, LLVMValueRef addr, enum ty_addrspace as);
/* The same with a run-time i32 size the caller has bounded. */
void cg_probe_read_n(struct cg *c, LLVMValueRef dst, LLVMValueRef size32, LLVMValueRef addr, enum ty_addrspace as);
/* A slot's value as a field of type t: narrowed, then widened back as C would. */
LLVMValueRef cg_slot_as(struct cg *c, LLVMValueRef v, const struct ty *t);
/* One u64 slot of a raw_tp, fentry/fexit or iter context, at byte offset off. */
LLVMValueRef cg_ctx_slot(struct cg *c, uint32_t off);
/* A field of the probe's context record (tracepoint args, a uprobe argument's register). */
struct cg_val cg_ctx_field(struct cg *c, uint32_t off, const struct ty *t);
LLVMValueRef cg_scalar(struct cg *c, struct ast *n);
LLVMValueRef cg_bool(struct cg *c, LLVMValueRef v);
void cg_store_value(struct cg *c, LLVMValueRef dst, unsigned dst_align, const struct ty *dst_t, struct cg_val v,
		    const struct ty *src_t);
/* The key bytes of map dm for the key expressions `keys` (a list; NULL for a scalar map). */
LLVMValueRef cg_map_key(struct cg *c, struct ast *keys, int dm);
/* The value of n stored into dst (laid out as dst_t), without a staging
 * copy where a helper can write it in place (comm). */
void cg_store_expr(struct cg *c, LLVMValueRef dst, unsigned dst_align, const struct ty *dst_t, struct ast *n);
struct cg_var *cg_var_find(struct cg *c, const char *name);
struct cg_var *cg_var_add(struct cg *c, const char *name, const struct ty *t);

/* Byte-by-byte comparison of a and b over at most n bytes, stopping after
 * the first NUL. Returns an i64 slot that holds 1 once a byte differed, and
 * leaves the builder in the block reached when all n bytes matched with no
 * NUL; the caller ends that block with a branch to *done. */
LLVMValueRef cg_bytes_compare(struct cg *c, LLVMValueRef a, LLVMValueRef b, uint32_t n, LLVMBasicBlockRef *done);
/* 1 when the string at needle (capacity ns) occurs in the one at hay (capacity hs). */
LLVMValueRef cg_bytes_contains(struct cg *c, LLVMValueRef hay, uint32_t hs, LLVMValueRef needle, uint32_t ns);

/* cg_builtin.c: a call or builtin name (AST_CALL, AST_BUILTIN) through the
 * emitter of the builtin.def row sema resolved it to. */
struct cg_val cg_call(struct cg *c, struct ast *n);
struct cg_val cg_kstack(struct cg *c, uint32_t limit, bool user);
/* The emitters named in builtin.def's `emit` column (cg_builtin.c, cg_call.c). */
#define BI(id, name, form, min, max, probes, result, check, emit) \
	struct cg_val cg_emit_##emit(struct cg *c, struct ast *n);
#include "common/builtin.def"
#undef BI

/* cg_call.c */
void cg_map_assign_agg(struct cg *c, struct ast *map, struct ast *call);
/* str(p[, n]) of an address, read into dst when dst_size bytes hold the read
 * (the rest zeroed), else into a temporary; the bytes' address. */
LLVMValueRef cg_str_read(struct cg *c, struct ast *n, LLVMValueRef dst, uint32_t dst_size);
/* nsecs(sw_tai): the boot clock plus TAI's offset from it at compile time. */
LLVMValueRef cg_sw_tai(struct cg *c);
int cg_event_add(struct cg *c, enum desc_event_kind k, struct span at);
/* -k: when `failed` (an i1) holds at run time, an event reports helper
 * `name` failing with `code` (i64) at `at`. Emits nothing below `level`
 * (1: -k, 2: -kk) and returns at once. */
void cg_helper_check(struct cg *c, unsigned level, struct span at, const char *name, LLVMValueRef failed,
		     LLVMValueRef code);
LLVMValueRef cg_event_begin(struct cg *c, int ev, uint32_t size, LLVMBasicBlockRef *done);
void cg_event_submit(struct cg *c, LLVMValueRef rec, bool wake, LLVMBasicBlockRef done);

/* cg_proc.c */
LLVMValueRef cg_cpid(struct cg *c);
LLVMValueRef cg_start_ns(struct cg *c);   /* `elapsed`'s origin, set at load */
LLVMValueRef cg_ncpus(struct cg *c);      /* possible CPUs, set at load */
void cg_pid_filter(struct cg *c);
/* base + the offset of field f of the kernel record rec, as a CO-RE field
 * relocation when rec comes from BTF (cg_core.c), else a constant */
LLVMValueRef cg_core_field_addr(struct cg *c, LLVMValueRef base, const struct ty *rec,
				const struct ty_field *f);
/* A constant global in .rodata with its BTF (cg_proc.c): libbpf lays .rodata
 * out from its DATASEC. di is its debug type; cg_di_array makes one for an
 * array of n basic elements (DW_ATE encoding). */
LLVMValueRef cg_rodata_global(struct cg *c, const char *name, LLVMTypeRef ty, LLVMValueRef init,
			      LLVMMetadataRef di);
LLVMMetadataRef cg_di_array(struct cg *c, const char *elem, unsigned bits, unsigned encoding, uint64_t n);

/* --aot: positional parameters read at load (cg_proc.c) */
#define CG_AOT_PARAMS_MAX 64u
struct cg_val cg_param(struct cg *c, uint32_t n, const struct ty *t);
LLVMValueRef cg_param_count(struct cg *c);
void cg_params_finish(struct cg *c);

/* cg_loop.c: for ($kv : @map) through bpf_for_each_map_elem. */
void cg_for_map(struct cg *c, struct ast *n);
/* A count or sum map entry's total over the CPUs (bpf_map_lookup_percpu_elem
 * for each; a CPU without the entry adds 0). */
LLVMValueRef cg_agg_total(struct cg *c, int dm, LLVMValueRef key);
void cg_for_range_callback(struct cg *c, struct ast *n);
/* `return`: from the probe, or from a loop callback, telling its caller to
 * return in turn. */
void cg_return(struct cg *c);

/* cg_sysdisp.c: syscall tracepoints served by one program on the raw
 * syscall tracepoints. The plan marks the expansions it serves (all of a
 * program's syscall tracepoints, or none); each one's body is then a
 * subprogram (cg_sysdisp_fn) reading its record from cg_sysdisp_record,
 * and cg_sysdisp_emit makes the programs that call them. */
void cg_sysdisp_plan(struct cg *c);
void cg_sysdisp_fn(struct cg *c);
LLVMMetadataRef cg_sysdisp_di_fnty(struct cg *c);
LLVMValueRef cg_sysdisp_record(struct cg *c, const struct sema_expansion *e);
const char *cg_sysdisp_prog(const struct sema_expansion *e);
void cg_sysdisp_emit(struct cg *c);
/* Where a tracepoint record's fields are read: the context, or the record
 * a dispatched body built. */
static inline LLVMValueRef cg_tp_base(struct cg *c)
{
	return c->tp_rec ? c->tp_rec : c->ctxarg;
}

/* cg_stmt.c */
void cg_stmts(struct cg *c, struct ast *list);
void cg_probe(struct cg *c, struct sema_expansion *e);

#endif
