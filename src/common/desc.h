/* desc: what codegen hands the runtime: the BPF object plus its maps, events and probes. */
#ifndef HAWK_DESC_H
#define HAWK_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/diag.h"
#include "common/probetype.h"
#include "common/types.h"

/* The runtime needs this description and nothing else: not the tree, not
 * LLVM. Everything in it lives in `arena`, so an ahead-of-time artifact can
 * be a serialised desc plus the ELF. */

enum desc_map_role {
	DESC_MAP_USER,       /* @name: printed at exit */
	DESC_MAP_RINGBUF,    /* every event to user space */
	DESC_MAP_SCRATCH,    /* per-CPU scratch for values too large for the stack */
	DESC_MAP_LOST,       /* u64 count of events the ring buffer had no room for, then
	                      * u64 the runtime sets when the run stops (probes return at once) */
	DESC_MAP_STACKS,     /* kstack/ustack ids */
	DESC_MAP_PIDS,       /* u32 pid -> u32 0: processes whose user addresses were taken
	                      * (ustack, usym); the runtime reads their mappings while
	                      * they live, to name those addresses after they exit */
};

/* Value layouts: the contract between codegen and the printers in
 * output/output.c. All integers are host-endian; the sizes are what
 * ty_size() returns for the types ty_new()/ty_agg() build.
 *
 * Aggregation map values (desc_map.value is TY_AGG), per CPU for per-CPU maps:
 *   count          u64 count
 *   sum            i64 or u64 total (agg->is_signed)
 *   min, max       { i64 value; u64 set; }  set != 0 once this CPU has seen a
 *                  value, so CPUs that never ran the probe are ignored
 *   avg, stats     { i64 total; u64 count; }  (total is u64 when unsigned)
 *   hist, lhist    u64 count of one bucket; the BPF key is the user key
 *                  (zero-padded to 8 bytes) followed by a u64 bucket index,
 *                  the key alone for a scalar hist: the printers read the
 *                  index from the key's last 8 bytes and group entries by
 *                  the bytes before it. Bucket indexes: out_hist_bucket()
 *                  and out_lhist_bucket() in output/output.h, which
 *                  codegen mirrors in IR.
 * Keys are the user key's type zero-padded to key_size: padding bytes take
 * part in grouping, so they must be zero.
 * A per-CPU map read from user space gives ncpus blobs, each
 * round_up(value_size, 8) bytes apart (the kernel's layout; see
 * out_value_stride()). The printers combine them: count/sum/hist/lhist add
 * up, min/max take the min/max of the CPUs with set != 0, avg/stats add
 * totals and counts then divide.
 *
 * Other values, wherever they appear (records, map keys and values):
 *   int            1, 2, 4 or 8 bytes; map keys and values are widened to 8
 *   bool           u8, 0 or 1
 *   string         `size` bytes, NUL-terminated unless truncated
 *   buffer         { u32 length; u8 data[size - 4]; }
 *   tuple          a C struct of the elements (ty_tuple)
 *   ksym           u64 kernel address
 *   usym           { u64 addr; u32 pid; u32 pad; }
 *   username       u64 uid
 *   inet           { u64 family (AF_INET/AF_INET6); u8 addr[16]; }
 *   timestamp      { u32 fmt (index into desc.strftime_fmts); u32 mode; u64 ns; }
 *                  mode 1 = ns since boot (bpftrace's default), otherwise ns
 *                  since the epoch (tai/sw_tai)
 *   kstack/ustack  { i64 stack map id; u32 pid; u32 pad; }
 *   cgroup_path    { u64 path id; u64 cgroup id; }
 */

/* Read-only globals (.rodata) the runtime sets before load, by name, when
 * the object has them: the -c child's pid (cpid) and -p's pid (the filter). */
#define DESC_VAR_CPID "hawk_cpid"
#define DESC_VAR_PID  "hawk_pid"
/* Facts of the machine the program runs on, set at load (never baked into
 * the code, so that an ahead-of-time artifact is right wherever it runs):
 * CLOCK_BOOTTIME when the run starts (`elapsed`), the possible CPUs (`ncpus`). */
#define DESC_VAR_START_NS "hawk_start_ns"
#define DESC_VAR_NCPUS "hawk_ncpus"
/* Positional parameters in an artifact (codegen's cg_opts.aot): `$#` and each
 * $N a program reads as a value, set at load from the run's parameters. */
#define DESC_VAR_NPARAMS "hawk_nparams"
#define DESC_VAR_PARAM "hawk_param"   /* + N: hawk_param1, ... */

struct desc_map {
	const char *name;          /* "@x", "@" ; internal maps: "ringbuf", "scratch", ... */
	const char *bpf_name;      /* the ELF/BPF map name: "AT_x", "AT_" (bpftrace's scheme) */
	enum desc_map_role role;
	uint32_t bpf_type;         /* enum bpf_map_type */
	uint32_t key_size, value_size, max_entries;
	const struct ty *key;      /* user view of the key: NULL for a scalar map */
	const struct ty *value;    /* user view of the value (TY_AGG for aggregations) */
	bool scalar;               /* @x, not @x[k] */
	bool percpu;               /* values are per CPU and summed (or min/max-ed) on read */
};

enum desc_event_kind {
	DESC_EV_PRINTF,      /* fmt with args */
	DESC_EV_PRINT_VALUE, /* print(expr): one arg */
	DESC_EV_PRINT_MAP,   /* print(@m, top, div) */
	DESC_EV_CLEAR,       /* clear(@m) */
	DESC_EV_ZERO,        /* zero(@m) */
	DESC_EV_EXIT,        /* exit([code]) */
	DESC_EV_TIME,        /* time(fmt) */
	DESC_EV_JOIN,        /* join(array, sep): fmt is sep; one arg, an array of
	                      * strings ended by the first empty one */
	DESC_EV_CAT,         /* cat(fmt, args) */
	DESC_EV_SYSTEM,      /* system(fmt, args), --unsafe */
	DESC_EV_WARNING,     /* a run-time warning: fmt is the message, `at` the place */
	DESC_EV_ERRORF,      /* errorf(fmt, args): printed as a located ERROR at `at` */
	DESC_EV_HELPER_ERROR,/* -k: helper `fmt` failed at `at`; an i64 code after the header
			      * (negative errno, or 0 for a lookup that found nothing) */
	DESC_EV_WARNF,       /* warnf(fmt, args): printed as a located WARNING at `at` */
	DESC_EV_WATCH,       /* watchpoint:FUNC+argN reached FUNC: watch the u64 address after the
	                      * header with probe `map` (an index into probes); a record from a
	                      * synchronous watchpoint's setup has stopped the process (SIGSTOP) */
	DESC_EV_UNWATCH,     /* unwatch(addr): detach every watch on the u64 address after the header */
};

struct desc_arg {
	const struct ty *type;
	uint32_t offset;           /* within the event record */
};

/* Every ring buffer record starts with this header; `id` indexes desc.events. */
struct desc_event_hdr {
	uint32_t id;
	uint32_t pad;
};

struct desc_event {
	enum desc_event_kind kind;
	const char *fmt;           /* printf/time/cat/system format; join separator */
	struct desc_arg *args;
	uint32_t nargs;
	uint32_t size;             /* record size including the header */
	int map;                   /* PRINT_MAP/CLEAR/ZERO: index into maps */
	uint64_t top, div;         /* PRINT_MAP */
	uint32_t line, col;        /* where in the script, for runtime warnings */
	struct span at;            /* the same, whole: WARNING's underline */
	struct span from;          /* errorf/warnf in a macro: the call it was expanded
	                            * from (line 0: none) */
};

/* tracepoint:syscalls:sys_enter_X/sys_exit_X served by one tp_btf program
 * (prog_name) on the raw syscall tracepoint, which calls each probe's body
 * by syscall number: the lead attaches it, its members (every other probe
 * it serves) are counted without an attach. */
enum desc_sysdisp { DESC_SYSDISP_NONE, DESC_SYSDISP_LEAD, DESC_SYSDISP_MEMBER };

struct desc_probe {
	enum probe_type type;
	const char *name;          /* as printed by `probe`: "tracepoint:syscalls:sys_enter_openat" */
	const char *prog_name;     /* the BPF program (ELF function) that serves it */
	const char *target;        /* tracepoint category, binary path, ... */
	const char *func;          /* tracepoint event, function, ... */
	const char *unit;          /* profile/interval */
	const char *mode;          /* watchpoint: "r", "w", "rw", "x" ... */
	bool deferred;             /* attached at run time (watchpoint:FUNC+argN), not at start */
	/* uprobe/uretprobe wildcards on a kernel with uprobe_multi: the first
	 * probe of a group (multi_n > 1) attaches its program to every group
	 * member's offset in one link, each member's index in the group its
	 * cookie; the members after it (multi_member) share the program and
	 * are attached by that link. Members are consecutive in probes. */
	uint32_t multi_n;
	bool multi_member;
	bool extra_site;           /* usdt: a further site of the probe before it: "Attached N" counts
	                            * probes, not sites (current bpftrace) */
	uint8_t sysdisp;           /* enum desc_sysdisp, above */
	uint64_t freq;             /* profile/interval/software count */
	uint64_t offset, addr;     /* uprobe, uretprobe, usdt: offset is the file offset */
	uint64_t ref_ctr;          /* usdt: the semaphore's file offset (uprobe ref_ctr_offset), 0: none */
	struct span at;            /* the attach point in the script; line 0 when unknown (AOT) */
};

/* How an artifact's program uses positional parameter $N: what a run may
 * give in its place (runtime/params.c checks). */
enum desc_param_use {
	DESC_PARAM_UNUSED,   /* not read: any value */
	DESC_PARAM_INT,      /* read as an integer at run time (DESC_VAR_PARAM N, a u64) */
	DESC_PARAM_STR,      /* read as a string at run time (DESC_VAR_PARAM N, `size` bytes) */
	DESC_PARAM_FIXED,    /* its value shaped the code (an attach point, unroll, a str($N)
	                      * literal, a constant argument): the run must give the same text */
};

struct desc_param {
	const char *text;          /* the value it was compiled with ("" when not given) */
	enum desc_param_use use;
	uint32_t size;             /* DESC_PARAM_STR: the string's bytes, NUL included */
};

struct desc {
	struct arena *arena;
	const void *elf;           /* the BPF object; lives in arena */
	size_t elf_size;
	struct desc_map *maps;
	uint32_t nmaps;
	struct desc_event *events;
	uint32_t nevents;
	struct desc_probe *probes; /* in the order they are attached and counted */
	uint32_t nprobes;
	uint32_t nattach;          /* what "Attached N probes" counts */
	int ringbuf_map, lost_map; /* indexes into maps, -1 if absent */
	const char *source_name;   /* "stdin" or the script path, for warnings */
	const char **strftime_fmts; /* strftime() formats, indexed by a timestamp's fmt */
	uint32_t nstrftime;
	struct desc_param *params; /* an artifact's $1..$N (cg_opts.aot), else none */
	uint32_t nparams;
	uint32_t params_given;     /* how many the compile had: `$#` when the run gives none */
};

#endif
