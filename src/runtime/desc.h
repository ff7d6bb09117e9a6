/* desc: what codegen hands the runtime: the BPF object plus its maps, events and probes. */
#ifndef HAWK_DESC_H
#define HAWK_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ast/probetype.h"
#include "ast/types.h"

/* The runtime needs this description and nothing else: not the tree, not
 * LLVM. Everything in it lives in `arena`, so an ahead-of-time artifact can
 * be a serialised desc plus the ELF. */

enum desc_map_role {
	DESC_MAP_USER,       /* @name: printed at exit */
	DESC_MAP_RINGBUF,    /* every event to user space */
	DESC_MAP_SCRATCH,    /* per-CPU scratch for values too large for the stack */
	DESC_MAP_LOST,       /* per-CPU count of events the ring buffer had no room for */
	DESC_MAP_STACKS,     /* kstack/ustack ids */
};

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
	DESC_EV_JOIN,        /* join(array, sep) */
	DESC_EV_CAT,         /* cat(fmt, args) */
	DESC_EV_SYSTEM,      /* system(fmt, args), --unsafe */
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
};

struct desc_probe {
	enum probe_type type;
	const char *name;          /* as printed by `probe`: "tracepoint:syscalls:sys_enter_openat" */
	const char *prog_name;     /* the BPF program (ELF function) that serves it */
	const char *target;        /* tracepoint category, binary path, ... */
	const char *func;          /* tracepoint event, function, ... */
	const char *unit;          /* profile/interval */
	uint64_t freq;             /* profile/interval/software count */
	uint64_t offset, addr;
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
};

#endif
