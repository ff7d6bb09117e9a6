/* cg: the typed tree to a BPF ELF object (LLVM-C) plus the description the runtime runs from. */
#ifndef HAWK_CG_H
#define HAWK_CG_H

#include <stdbool.h>
#include <stdio.h>

#include "ast/pass.h"
#include "common/desc.h"

/* bpftrace's max_map_keys: a keyed map's entries unless told otherwise. */
#define CG_MAP_KEYS_MAX 4096
/* hist()'s log2 buckets: 0 for negatives, 1 for 0, 2 + floor(log2(v)) up to 2^63 */
#define CG_HIST_BUCKETS 65

struct cg_opts {
	FILE *dump_ir;        /* -d ir: the LLVM IR, before emission */
	FILE *dump_bpf;       /* -d bpf: the emitted instructions */
	const char *emit_llvm;/* --emit-llvm FILE */
	const char *emit_elf; /* --emit-elf FILE */
	bool pid_filter;      /* -p PID: kernel probes return for other processes */
	bool aot;             /* --aot: -p's filter and the parameters read at load */
	uint64_t map_keys_max;/* entries of a keyed map; 0: CG_MAP_KEYS_MAX */
	const char *dummy_ts_map;/* BPFTRACE_DUMMY_TS_MAP: tseries() reads its clock from this
			       * scalar map (upstream's test hook), not the kernel's */
	unsigned helper_errors;/* -k: report failed probe reads and map deletes; -kk: lookups of
			       * missing keys too */
};

/* Compile the checked program in ctx. Returns the description (in ctx's
 * arena, the ELF included), or NULL after reporting errors through ctx->diag. */
struct desc *cg_compile(struct pass_ctx *ctx, const struct cg_opts *o);

/* -d bpf: every program's instructions in an emitted object (cg_dump.c). */
int cg_dump_bpf(FILE *out, const void *elf, size_t size);

#endif
