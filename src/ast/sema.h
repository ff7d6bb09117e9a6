/* sema: probe expansion, tracepoint args, and the type checker; results for codegen. */
#ifndef HAWK_SEMA_H
#define HAWK_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/diag.h"
#include "ast/ast.h"
#include "ast/pass.h"
#include "common/types.h"
#include "probes/usdt.h"
#include "common/strtab.h"

/* A user map: its key and value types, fixed by its first use. */
struct sema_map {
	const char *name;        /* "@x", "@" */
	const struct ty *key;    /* NULL: scalar; one type, or a tuple for @m[a, b] */
	const struct ty *value;  /* TY_AGG for aggregations */
	unsigned nkeys;          /* as written: @m[a, b] has 2 */
	struct span at;          /* first use */
	bool key_known, value_known;
	bool used_as_value;      /* read somewhere, so an unread map can be warned about */
	/* let @m = KIND(N): 0 when undeclared, else 1 + the index in
	 * sema_map_kinds (hash, lruhash, percpuhash, percpulruhash) */
	unsigned decl_kind;
	uint32_t decl_max;       /* its entries */
	struct span decl_at;
};

/* The map kinds of `let @m = KIND(N)`, as current bpftrace names them. */
extern const char *const sema_map_kinds[4];

/* One BPF program to generate: a probe body for one concrete attach point. */
struct sema_expansion {
	struct ast *probe;
	struct ast *ap;
	enum probe_type type;
	const char *name;        /* what `probe` prints: "tracepoint:syscalls:sys_enter_openat" */
	const char *target;      /* concrete: tracepoint category */
	const char *func;        /* concrete: tracepoint event */
	const struct ty *args;   /* tracepoint: the record behind `args` */
	const struct rt_usdt_site *usdt; /* usdt: the site, its operands for arg0..argN */
	uint64_t offset;         /* uprobe/usdt: the file offset to attach at */
	uint64_t ref_ctr;        /* usdt: the semaphore's file offset, 0 for none */
	uint64_t pie_vaddr;      /* uaddr() in a position-independent binary: the probed
	                          * instruction's link-time address (the load bias is the
	                          * address the probe fires at less this); 0: none */
	/* watchpoint:FUNC+argN: the watch itself is attached at run time
	 * (deferred), by the hidden uprobe on FUNC that reports argN's value;
	 * that uprobe's expansion has watch_setup = 1 + the watch's index. */
	bool deferred;
	unsigned watch_setup;
	unsigned watch_arg;
	/* uprobe wildcards: the functions of one binary share one program and
	 * one uprobe_multi link; the first (multi_n > 1) generates it, the
	 * others (multi_lead = 1 + its index) only describe their probe. Set by
	 * codegen's grouping (cg_module.c) when the kernel has uprobe_multi. */
	unsigned multi_n, multi_lead;
	bool extra_site;         /* usdt: a further site of the probe before it (counted once) */
	/* tracepoint:syscalls:sys_enter_X/sys_exit_X served by the dispatch
	 * program on the raw syscall tracepoint (1 enter, 2 exit; 0: its own
	 * perf event), which calls this body when the syscall number is sysnr;
	 * the first of a direction attaches that program. Set by codegen's
	 * plan (cg_sysdisp.c). */
	unsigned sysdisp;
	int sysnr;
	bool sysdisp_lead, sysdisp_args;
	unsigned sysdisp_funcs;  /* BPF functions its body made (itself and its loop callbacks) */
	unsigned desc_index;     /* its probe in the desc codegen hands the runtime */
	unsigned index;          /* program number */
};

struct sema {
	struct sema_map *maps;
	unsigned nmaps;
	size_t capmaps;
	struct strtab map_index;  /* name -> index in maps */
	struct sema_expansion *exp;
	unsigned nexp;
	size_t capexp;
	bool needs_btf;
	bool uprobe_multi;       /* the kernel has uprobe_multi links (asked once a wildcard matched several) */
	uint32_t max_strlen;     /* str() capacity: config max_strlen, default 1024 (HEAD) */
	bool stack_lens;         /* len() of a stack is used: stack values carry their frame count */
	/* Syscall tracepoints may be served by one tp_btf program (the kernel
	 * has BTF and config syscall_dispatch is not never): the byte offset of
	 * thread_info.status in task_struct (TS_COMPAT), else -1. */
	int sysdisp_status_off;
	const struct ty *sysdisp_task, *sysdisp_ti;     /* task_struct, thread_info */
	const struct ty_field *sysdisp_ti_field, *sysdisp_status_field;
	unsigned sysdisp_mode;   /* enum cfg_sysdisp */
};

/* The passes: expansion of attach points (tracefs, catalogue), then types. */
unsigned sema_config(struct pass_ctx *ctx);   /* config blocks into ctx->cfg (sema_config.c) */
unsigned sema_expand(struct pass_ctx *ctx);
unsigned sema_params(struct pass_ctx *ctx);   /* getopt() calls into their values (params.c) */
unsigned sema_types(struct pass_ctx *ctx);

struct sema_map *sema_map_find(struct sema *s, const char *name);

/* Tracepoint formats (tpformat.c): the record of events/CAT/NAME/format as a
 * TY_RECORD named _tracepoint_CAT_NAME, offsets and sizes from the file.
 * Returns NULL with errno set when the tracepoint does not exist. */
struct ty *tp_format_load(struct arena *a, const char *cat, const char *name, struct diag *d);

/* Kernel types from vmlinux BTF (btf_types.c), loaded on first use. A
 * record comes back as a stub whose fields sema_btf_fields fills once. */
const struct ty *sema_btf_type(struct arena *a, uint32_t id);
void sema_btf_fields(struct arena *a, struct ty *rec);
void sema_btf_complete(struct arena *a, const struct ty *t);
/* BTF enum `id` as an enum type whose constants print by name. */
struct ty *sema_btf_enum_type(struct arena *a, uint32_t id);
/* struct/union NAME, or NULL when BTF has none (or no BTF: reported via d). */
const struct ty *sema_btf_record(struct arena *a, const char *name, bool is_union, struct diag *d);
/* The parameters of BTF function `func` from index `first` on, as a context
 * record of u64 slots (rawtracepoint, fentry/fexit, iter `args`), named
 * recname; fields[count] (past the visible ones) is the return type, in the
 * slot after the last. NULL when BTF has no such function. */
struct ty *sema_btf_args(struct arena *a, const char *func, unsigned first, const char *recname);

/* User-space types from a binary's DWARF (dwarf_types.c). `args` of a
 * uprobe on func (or the function at ELF address addr): a context record
 * whose fields sit at the pt_regs offsets of their argument registers;
 * NULL when the binary has no DWARF for it. */
struct ty *sema_dwarf_args(struct arena *a, const char *path, const char *func, uint64_t addr,
			   enum arch arch);
/* The code addresses of FILE:LINE[:COL] in path's DWARF (see
 * rt_dwarf_line_addrs); -ENODATA when path has no DWARF. */
long sema_dwarf_line(const char *path, const char *file, uint32_t line, uint32_t col,
		     uint64_t *addrs, size_t max);
/* struct/union NAME as path's DWARF defines it, or NULL. */
const struct ty *sema_dwarf_record(struct arena *a, const char *path, const char *name, bool is_union);

/* A signal's number from its name ("SIGKILL", "KILL"); 0 if unknown
 * (sema_value.c; codegen emits the number signal("NAME") names). */
int sema_signal_number(const char *name);

#endif
