/* cg_builtin: dispatch of calls and builtin names on their builtin.def row, and the
 * emitters of the value builtins (pid, comm, argN, kstack, ...). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "codegen/cg_impl.h"

typedef struct cg_val (*emit_fn)(struct cg *c, struct ast *n);

static const emit_fn emitters[BI__COUNT] = {
#define BI(id, name, form, min, max, probes, result, check, emit) [BI_##id] = cg_emit_##emit,
#include "common/builtin.def"
#undef BI
};

/* A call (AST_CALL) or a builtin name (AST_BUILTIN, or its call form pid()):
 * the row sema resolved it to says which emitter runs. */
struct cg_val cg_call(struct cg *c, struct ast *n)
{
	enum bi_id id = (enum bi_id)(n->kind == AST_CALL ? n->call.bi : n->ident.bi);
	if (id == BI_NONE || id >= BI__COUNT) {
		cg_error(c, n->span, "internal: %s was not resolved by sema",
			 n->kind == AST_CALL ? n->call.name : n->ident.name);
		return cg_val_scalar(cg_const(c, 0));
	}
	return emitters[id](c, n);
}

/* Rows whose checker always refuses them. */
struct cg_val cg_emit_none(struct cg *c, struct ast *n)
{
	cg_error(c, n->span, "internal: no code for %s", bi_info(n->kind == AST_CALL ? n->call.bi : n->ident.bi)->name);
	return cg_val_scalar(cg_const(c, 0));
}

/* Aggregations are emitted by the map assignment they are part of
 * (cg_map_assign_agg); sema refuses them anywhere else. */
struct cg_val cg_emit_agg(struct cg *c, struct ast *n)
{
	return cg_emit_none(c, n);
}

static LLVMValueRef pid_tgid(struct cg *c)
{
	return cg_helper(c, H_PID_TGID, c->i64, NULL, 0);
}

/* The root pid namespace's inode (PROC_PID_INIT_INO). */
#define PID_NS_INIT_INO 0xEFFFFFFCu

/* pid and tid as numbered in hawk's own pid namespace (current bpftrace's
 * default, pid(curr_ns)), or in the root one (pid(init)): tgid << 32 | pid
 * like bpf_get_current_pid_tgid. Run in the root namespace, both are that
 * helper; in another, bpf_get_ns_current_pid_tgid with the namespace's
 * device and inode as hawk sees them now (n NULL: curr_ns). */
static LLVMValueRef ns_pid_tgid(struct cg *c, struct ast *n)
{
	bool init = n && n->kind == AST_CALL && n->call.args && !strcmp(n->call.args->ident.name, "init");
	struct stat st;
	if (init || stat("/proc/self/ns/pid", &st) || st.st_ino == PID_NS_INIT_INO)
		return pid_tgid(c);
	LLVMValueRef info = cg_alloca(c, 8);   /* struct bpf_pidns_info { u32 pid, tgid; } */
	LLVMBuildStore(c->b, cg_const(c, 0), info);
	LLVMValueRef args[4] = { cg_const(c, (uint64_t)st.st_dev), cg_const(c, (uint64_t)st.st_ino), info,
				 LLVMConstInt(c->i32, 8, false) };
	cg_helper(c, H_NS_PID_TGID, c->i64, args, 4);
	LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, info, "");
	/* info holds pid (the thread) low, tgid high: already the helper's order */
	return v;
}

struct cg_val cg_emit_pid(struct cg *c, struct ast *n)
{
	return cg_val_scalar(LLVMBuildLShr(c->b, ns_pid_tgid(c, n), cg_const(c, 32), ""));
}

struct cg_val cg_emit_tid(struct cg *c, struct ast *n)
{
	return cg_val_scalar(LLVMBuildAnd(c->b, ns_pid_tgid(c, n), cg_const(c, 0xffffffff), ""));
}

/* uid and username (printed as a name by user space) */
struct cg_val cg_emit_uid(struct cg *c, struct ast *n)
{
	(void)n;
	LLVMValueRef v = cg_helper(c, H_UID_GID, c->i64, NULL, 0);
	return cg_val_scalar(LLVMBuildAnd(c->b, v, cg_const(c, 0xffffffff), ""));
}

struct cg_val cg_emit_gid(struct cg *c, struct ast *n)
{
	(void)n;
	LLVMValueRef v = cg_helper(c, H_UID_GID, c->i64, NULL, 0);
	return cg_val_scalar(LLVMBuildLShr(c->b, v, cg_const(c, 32), ""));
}

/* TAI without the kernel's helper: boot time plus TAI's offset from it,
 * taken here (bpftrace takes it in user space too). */
LLVMValueRef cg_sw_tai(struct cg *c)
{
	struct timespec tai, boot;
	clock_gettime(CLOCK_TAI, &tai);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	int64_t d = ((int64_t)tai.tv_sec - boot.tv_sec) * 1000000000 + (tai.tv_nsec - boot.tv_nsec);
	return LLVMBuildAdd(c->b, cg_helper(c, H_KTIME_BOOT, c->i64, NULL, 0), cg_const(c, (uint64_t)d), "");
}

/* nsecs, nsecs(boot|monotonic|tai): boot time by default, as current bpftrace. */
struct cg_val cg_emit_nsecs(struct cg *c, struct ast *n)
{
	const char *mode = n->kind == AST_CALL && n->call.args ? n->call.args->ident.name : "boot";
	if (!strcmp(mode, "sw_tai"))
		return cg_val_scalar(cg_sw_tai(c));
	enum cg_helper h = !strcmp(mode, "monotonic") ? H_KTIME_NS : !strcmp(mode, "tai") ? H_KTIME_TAI : H_KTIME_BOOT;
	return cg_val_scalar(cg_helper(c, h, c->i64, NULL, 0));
}

struct cg_val cg_emit_numaid(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(LLVMBuildZExt(c->b, cg_helper(c, H_NUMA_NODE, c->i32, NULL, 0), c->i64, ""));
}

/* config(): the record sema laid out, filled with the settings' values. */
struct cg_val cg_emit_config(struct cg *c, struct ast *n)
{
	const struct ty *t = cg_type(n);
	struct cfg defaults;
	const struct cfg *cfg = c->pc->cfg;
	if (!cfg) {
		cfg_init(&defaults);
		cfg = &defaults;
	}
	LLVMValueRef buf = cg_tmp(c, ty_size(t));
	cg_memset(c, buf, 8, ty_size(t));
	for (uint32_t i = 0; i < t->count; i++) {
		const struct ty_field *f = &t->fields[i];
		for (int k = 0; k < CFG__COUNT; k++) {
			if (strcmp(cfg_name((enum cfg_key)k), f->name))
				continue;
			LLVMValueRef at = cg_gep(c, buf, f->offset);
			if (f->type->kind == TY_STRING) {
				const char *s = cfg_str(cfg, (enum cfg_key)k);
				cg_store_value(c, at, cg_align_of(f->offset, 8), f->type,
					       cg_const_string(c, s ? s : "", f->type), f->type);
			} else {
				cg_store_int(c, at, cg_const(c, cfg_u(cfg, (enum cfg_key)k)),
					     f->type->kind == TY_BOOL ? 1 : 8);
			}
			break;
		}
	}
	return cg_val_mem(buf);
}

struct cg_val cg_emit_probetype(struct cg *c, struct ast *n)
{
	return cg_const_string(c, probetype_class(c->exp->type), cg_type(n));
}

/* The start time is read from .rodata, set at load just before the probes
 * attach: an artifact compiled elsewhere counts from its own run. */
struct cg_val cg_emit_elapsed(struct cg *c, struct ast *n)
{
	(void)n;
	LLVMValueRef now = cg_helper(c, H_KTIME_BOOT, c->i64, NULL, 0);
	return cg_val_scalar(LLVMBuildSub(c->b, now, cg_start_ns(c), ""));
}

struct cg_val cg_emit_cpu(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(LLVMBuildZExt(c->b, cg_helper(c, H_SMP_CPU, c->i32, NULL, 0), c->i64, ""));
}

struct cg_val cg_emit_ncpus(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(cg_ncpus(c));
}

struct cg_val cg_emit_rand(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(LLVMBuildZExt(c->b, cg_helper(c, H_PRANDOM, c->i32, NULL, 0), c->i64, ""));
}

struct cg_val cg_emit_cgroup(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(cg_helper(c, H_CGROUP_ID, c->i64, NULL, 0));
}

struct cg_val cg_emit_jiffies(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(cg_helper(c, H_JIFFIES, c->i64, NULL, 0));
}

struct cg_val cg_emit_curtask(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(cg_helper(c, H_CURRENT_TASK, c->i64, NULL, 0));
}

/* argN and retval: u64 context slots where the provider has them, else
 * registers. */
struct cg_val cg_emit_argn(struct cg *c, struct ast *n)
{
	const char *name = n->kind == AST_CALL ? n->call.name : n->ident.name;
	bool ret = (n->kind == AST_CALL ? n->call.bi : n->ident.bi) == BI_RETVAL;
	const struct rt_provider *pk = rt_provider_of(c->exp->type);
	if (pk && pk->args != RT_ARGS_REGS) {
		/* u64 slots: argN is slot N; fexit's retval follows the arguments */
		const struct ty *a = c->exp->args;
		uint32_t slot = !ret ? (uint32_t)atoi(name + 3) : a ? a->count : 0;
		if (slot >= 12) {
			cg_error(c, n->span, "%s: BPF programs see at most 12 arguments", name);
			return cg_val_scalar(cg_const(c, 0));
		}
		LLVMValueRef v = cg_ctx_slot(c, 8 * slot);
		if (ret && a && a->fields[a->count].type)
			v = cg_slot_as(c, v, a->fields[a->count].type);
		return cg_val_scalar(v);
	}
	if (!ret && c->exp->type == PROBE_USDT)
		return cg_val_scalar(cg_usdt_arg(c, n, (unsigned)atoi(name + 3)));
	/* struct pt_regs of the target: its argument registers and return value */
	const struct arch_info *ai = arch_info(c->pc->arch);
	uint32_t off = ai->ret;
	if (!ret) {
		unsigned i = (unsigned)atoi(name + 3);
		if (i >= ai->nargs) {
			cg_error(c, n->span, "%s: only arg0 to arg%u are passed in registers on %s", name,
				 ai->nargs - 1, ai->name);
			return cg_val_scalar(cg_const(c, 0));
		}
		off = ai->arg_regs[i];
	}
	LLVMValueRef idx = LLVMConstInt(c->i64, off, false);
	LLVMValueRef addr = LLVMBuildGEP2(c->b, c->i8, c->ctxarg, &idx, 1, "");
	return cg_val_scalar(cg_load_int(c, addr, cg_type(n)));
}

/* sargN: the Nth u64 stack slot of a function's arguments at its entry
 * (x86-64 System V: above the return address call pushed, from the seventh
 * argument on; arm64: at sp itself, the return address is in lr, from the
 * ninth). The slot is read from the probed side's memory. */
struct cg_val cg_emit_sargn(struct cg *c, struct ast *n)
{
	const char *name = n->ident.name;
	unsigned i = (unsigned)atoi(name + 4);
	const struct arch_info *ai = arch_info(c->pc->arch);
	LLVMValueRef idx = LLVMConstInt(c->i64, ai->sp, false);
	LLVMValueRef sp = cg_load_int(c, LLVMBuildGEP2(c->b, c->i8, c->ctxarg, &idx, 1, ""), ty_int(8, false));
	uint64_t first = c->pc->arch == ARCH_X86_64 ? 8 : 0;
	LLVMValueRef addr = LLVMBuildAdd(c->b, sp, cg_const(c, first + 8 * (uint64_t)i), "");
	LLVMValueRef buf = cg_tmp(c, 8);
	cg_probe_read(c, buf, 8, addr, c->exp->type == PROBE_UPROBE ? TY_AS_USER : TY_AS_KERNEL);
	return cg_val_scalar(cg_load_int(c, buf, ty_int(8, false)));
}

/* The current process into the pids map (BPF_NOEXIST: a lookup when it is
 * there already), so that the runtime snapshots its mappings while it
 * lives; returns the pid. */
static LLVMValueRef note_pid(struct cg *c)
{
	if (c->pids_map < 0)
		c->pids_map = cg_map_add(c, "pids", "hawk_pids", DESC_MAP_PIDS, 1 /* BPF_MAP_TYPE_HASH */, 4, 4,
					 4096);
	/* numbered as hawk's /proc numbers it, in a pid namespace too */
	LLVMValueRef pid = LLVMBuildLShr(c->b, ns_pid_tgid(c, NULL), cg_const(c, 32), "");
	LLVMValueRef key = cg_tmp(c, 4), val = cg_tmp(c, 4);
	cg_store_int(c, key, pid, 4);
	cg_store_int(c, val, cg_const(c, 0), 4);
	LLVMValueRef args[4] = { cg_map_ptr(c, c->pids_map), key, val, cg_const(c, 1 /* BPF_NOEXIST */) };
	cg_helper(c, H_MAP_UPDATE, c->i64, args, 4);
	return pid;
}

/* kstack: { i64 stack id; u32 pid; u32 pad }, the frames kept in a stack
 * map the runtime reads when it prints. One map per frame limit, as in
 * bpftrace: the kernel hashes as many frames as the map holds, so
 * kstack(3) groups stacks by their top three frames. */
struct cg_val cg_kstack(struct cg *c, uint32_t limit, bool user)
{
	if (limit < 1 || limit > 127)
		limit = 127;
	/* Twice max_map_keys: the kernel hashes a stack to one bucket and a
	 * collision loses it (-EEXIST), so a map of N stacks needs room. */
	uint64_t keys = c->opts && c->opts->map_keys_max ? c->opts->map_keys_max : CG_MAP_KEYS_MAX;
	uint32_t entries = keys > UINT32_MAX / 2 ? UINT32_MAX : (uint32_t)(2 * keys);
	if (c->stacks_map[limit] < 0)
		c->stacks_map[limit] = cg_map_add(c, "stacks", arena_printf(c->a, "hawk_stacks_%u", limit),
						  DESC_MAP_STACKS, 7 /* BPF_MAP_TYPE_STACK_TRACE */, 4, limit * 8, entries);
	LLVMValueRef buf = cg_tmp(c, 16);
	/* BPF_F_USER_STACK: the same map holds user and kernel stacks */
	LLVMValueRef args[3] = { c->ctxarg, cg_map_ptr(c, c->stacks_map[limit]), cg_const(c, user ? 256 : 0) };
	LLVMValueRef id = cg_helper(c, H_GET_STACKID, c->i64, args, 3);
	cg_store_int(c, buf, id, 8);
	LLVMValueRef pid = user ? note_pid(c) : LLVMBuildLShr(c->b, ns_pid_tgid(c, NULL), cg_const(c, 32), "");
	cg_store_int(c, cg_gep(c, buf, 8), pid, 4);
	LLVMValueRef frames = cg_const(c, 0);
	if (c->s->stack_lens) {
		/* len() of a stack: the stack map cannot be read from BPF, so the
		 * frames are taken again into scratch and counted */
		LLVMValueRef tmp = cg_tmp(c, limit * 8);
		LLVMValueRef ga[4] = { c->ctxarg, tmp, cg_const(c, limit * 8), cg_const(c, user ? 256 : 0) };
		LLVMValueRef r = cg_helper(c, H_GET_STACK, c->i64, ga, 4);
		LLVMValueRef ok = LLVMBuildICmp(c->b, LLVMIntSGT, r, cg_const(c, 0), "");
		frames = LLVMBuildSelect(c->b, ok, LLVMBuildLShr(c->b, r, cg_const(c, 3), ""), cg_const(c, 0), "");
	}
	cg_store_int(c, cg_gep(c, buf, 12), frames, 4);
	return cg_val_mem(buf);
}

/* The mode is in the type, for printing. */
struct cg_val cg_emit_kstack(struct cg *c, struct ast *n)
{
	return cg_kstack(c, cg_type(n)->stack_limit, cg_type(n)->stack_user);
}

/* ksym: the address; usym: { u64 addr; u32 pid; u32 pad }, the pid naming
 * the mappings the runtime reads the symbol through. */
struct cg_val cg_emit_ksym(struct cg *c, struct ast *n)
{
	return cg_val_scalar(cg_scalar(c, n->call.args));
}

/* kaddr: sema made its argument the address (sema_check_kaddr). */
struct cg_val cg_emit_kaddr(struct cg *c, struct ast *n)
{
	return cg_val_scalar(cg_scalar(c, n->call.args));
}

struct cg_val cg_emit_usym(struct cg *c, struct ast *n)
{
	LLVMValueRef buf = cg_tmp(c, 16);
	cg_store_int(c, buf, cg_scalar(c, n->call.args), 8);
	LLVMValueRef pid = note_pid(c);
	cg_store_int(c, cg_gep(c, buf, 8), pid, 4);
	cg_store_int(c, cg_gep(c, buf, 12), cg_const(c, 0), 4);
	return cg_val_mem(buf);
}

struct cg_val cg_emit_cpid(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(cg_cpid(c));
}

struct cg_val cg_emit_has_cpid(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(cg_const(c, c->pc->child));
}

/* A tracepoint's args as a value: its record copied out of the context
 * with loads at constant offsets (the verifier refuses a variable offset
 * into the context, so no loop), the first 8 bytes, which the program may
 * not read, left zero; sema's type leaves their fields out. */
static struct cg_val tp_args(struct cg *c, const struct ty *t)
{
	uint32_t size = ty_size(t);
	LLVMValueRef buf = cg_tmp(c, size);
	cg_store_int(c, buf, cg_const(c, 0), 8);
	for (uint32_t off = 8; off < size;) {
		uint32_t left = size - off, w = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
		LLVMValueRef v = cg_load_int(c, cg_gep(c, cg_tp_base(c), off), ty_int(w, false));
		cg_store_int(c, cg_gep(c, buf, off), v, w);
		off += w;
	}
	return cg_val_mem(buf);
}

/* args: a tracepoint's record by value; elsewhere the context pointer its
 * fields are read through. */
/* A uprobe's args by value: each argument from its register into the
 * record sema laid out. */
static struct cg_val uprobe_args(struct cg *c, const struct ty *t)
{
	LLVMValueRef buf = cg_tmp(c, ty_size(t));
	cg_memset(c, buf, 8, ty_size(t));
	for (uint32_t i = 0; i < t->count; i++) {
		const struct ty_field *f = &t->fields[i], *src = ty_field(c->exp->args, f->name);
		if (!src)
			continue;
		struct cg_val v = cg_ctx_field(c, src->offset, src->type);
		cg_store_value(c, cg_gep(c, buf, f->offset), cg_align_of(f->offset, 8), f->type, v, src->type);
	}
	return cg_val_mem(buf);
}

struct cg_val cg_emit_args(struct cg *c, struct ast *n)
{
	if (cg_type(n)->kind == TY_RECORD && c->exp->type == PROBE_UPROBE)
		return uprobe_args(c, cg_type(n));
	if (cg_type(n)->kind == TY_RECORD)
		return tp_args(c, cg_type(n));
	return cg_emit_ctx(c, n);
}

/* ctx: the context pointer. */
struct cg_val cg_emit_ctx(struct cg *c, struct ast *n)
{
	(void)n;
	return cg_val_scalar(LLVMBuildPtrToInt(c->b, c->ctxarg, c->i64, ""));
}

struct cg_val cg_emit_comm(struct cg *c, struct ast *n)
{
	(void)n;
	LLVMValueRef buf = cg_tmp(c, 16);
	LLVMValueRef args[2] = { buf, LLVMConstInt(c->i32, 16, false) };
	cg_helper(c, H_COMM, c->i64, args, 2);
	return cg_val_mem(buf);
}

struct cg_val cg_emit_probe(struct cg *c, struct ast *n)
{
	if (c->exp->multi_n > 1)
		return cg_multi_name(c, false, cg_type(n));
	return cg_const_string(c, c->exp->name, cg_type(n));
}

struct cg_val cg_emit_func(struct cg *c, struct ast *n)
{
	if (c->exp->multi_n > 1)
		return cg_multi_name(c, true, cg_type(n));
	return cg_const_string(c, c->exp->func ? c->exp->func : "", cg_type(n));
}

/* usermode: x86-64's (regs->cs & 3) == 3, arm64's (regs->pstate & 0xf) == 0
 * (EL0t), in struct pt_regs, the start of kprobe, uprobe and perf-event
 * contexts alike; BEGIN and END run in hawk's process, in user mode. */
struct cg_val cg_emit_usermode(struct cg *c, struct ast *n)
{
	(void)n;
	enum probe_type t = c->exp->type;
	if (t == PROBE_BEGIN || t == PROBE_END || t == PROBE_SELF || t == PROBE_TEST || t == PROBE_BENCH)
		return cg_val_scalar(cg_const(c, 1));
	const struct arch_info *ai = arch_info(c->pc->arch);
	LLVMValueRef idx = LLVMConstInt(c->i64, ai->mode_off, false);
	LLVMValueRef w = cg_load_int(c, LLVMBuildGEP2(c->b, c->i8, c->ctxarg, &idx, 1, ""), ty_int(8, false));
	LLVMValueRef user = LLVMBuildICmp(c->b, LLVMIntEQ, LLVMBuildAnd(c->b, w, cg_const(c, ai->mode_mask), ""),
					  cg_const(c, ai->mode_user), "");
	return cg_val_scalar(LLVMBuildZExt(c->b, user, c->i64, ""));
}
