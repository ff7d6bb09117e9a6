/* output: everything a running program prints (printf, print, time, join, maps, histograms), as bpftrace's text or JSON. */
#ifndef HAWK_RT_OUTPUT_H
#define HAWK_RT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/types.h"
#include "common/desc.h"
#include "common/fmt.h"

/* The formats are upstream bpftrace's current ones (src/output/text.cpp,
 * json.cpp, types_format.cpp), not 0.17's; the reference
 * (bpftrace-behaviour.md 2.8) lists the differences. */

enum out_mode {
	OUT_TEXT,   /* default */
	OUT_JSON,   /* -f json: one object per line */
	OUT_FOLDED, /* -f folded: text, but a map keyed by stacks prints one line per
	               entry, "frame;frame;... count" (flamegraph.pl's, inferno's and
	               speedscope's input) */
};

/* A sink writes to `out` (stdout or -o FILE); in text mode the attach and
 * lost-event messages go to `err`. The sink owns neither stream. */
struct out_sink;

struct out_sink *out_sink_new(FILE *out, FILE *err, enum out_mode mode);
void out_sink_free(struct out_sink *s);

/* What follows a string cut short at its capacity (config str_trunc_trailer,
 * ".." by default); borrowed, for the whole process. */
void out_set_trunc_trailer(const char *s);

/* The program being run: its events' formats are parsed once here, and
 * timestamps find their strftime formats. `d` must outlive the sink. */
void out_sink_set_desc(struct out_sink *s, const struct desc *d);

/* kstack/ustack values hold a stack map id (common/desc.h); the loader reads
 * the map. The callback stores up to `max` instruction pointers and returns
 * how many, or a negative errno. Without one, stacks print empty. */
typedef int (*out_stack_fn)(void *ctx, const struct ty *t, const void *value,
			    uint64_t *ips, uint32_t max);
void out_sink_set_stack_reader(struct out_sink *s, out_stack_fn fn, void *ctx);

/* ustack frames and usym values name user addresses through the process
 * they came from: the callback returns the function's name and sets *off
 * and *module (the object's path), or returns NULL. Without one they print
 * as addresses. */
typedef const char *(*out_usym_fn)(void *ctx, uint32_t pid, uint64_t addr, uint64_t *off,
				   const char **module);
void out_sink_set_usym(struct out_sink *s, out_usym_fn fn, void *ctx);

/* show_debug_info: user frames also show where they are in the source. The
 * callback fills up to max frames for addr in pid: the inlined calls holding
 * it, innermost first, then the function itself (the last, not inlined),
 * each with its file and line; it returns the count, 0 when unknown. */
struct out_src_frame {
	const char *func, *file;
	uint32_t line;
	bool inlined;
};
typedef int (*out_usrc_fn)(void *ctx, uint32_t pid, uint64_t addr, struct out_src_frame *out, int max);
void out_sink_set_usrc(struct out_sink *s, out_usrc_fn fn, void *ctx);

/* ustack(build_id) frames: the build id (hex) of the object at addr in pid
 * and the file offset of addr in it; false when unknown. */
typedef bool (*out_ubuildid_fn)(void *ctx, uint32_t pid, uint64_t addr, const char **id, uint64_t *foff);
void out_sink_set_ubuildid(struct out_sink *s, out_ubuildid_fn fn, void *ctx);
void out_set_debug_info(bool on);

/* printf's %gr names GFP flags from the kernel's bit numbers (its
 * ___GFP_NAME_BIT enumerators, which the runtime reads from BTF): the
 * base flags' names, NULL past the last; set the bit of each one found. */
const char *out_gfp_base(unsigned i);
void out_gfp_set_bit(unsigned i, unsigned bit);

/* --bench: bench `index` of `names` (all of them, for the column's width):
 * its average time per run and the runs it took; a table in text (its
 * head before the first row), an object a line in JSON. */
void out_bench_result(struct out_sink *s, const char *const *names, size_t n, size_t index,
		      uint64_t avg_ns, uint64_t iters);

/* --flamegraph FILE: every map keyed by stacks that prints (at exit, or by
 * print()) is also added to a flame graph, which out_flame_write writes to
 * `f` as an interactive SVG (output_flame.c). The sink does not own `f`. */
void out_sink_set_flamegraph(struct out_sink *s, FILE *f);
void out_flame_write(struct out_sink *s);

/* ---- events ------------------------------------------------------------ */

/* The event functions take the whole ring-buffer record (header included);
 * each argument is at its desc_arg offset. */
void out_printf(struct out_sink *s, const struct desc_event *ev, const void *record);
/* printf formatting without printing, for cat() and system(): a malloc'd,
 * NUL-terminated string the caller frees; its length in *len. */
char *out_format(struct out_sink *s, const struct desc_event *ev, const void *record,
		 size_t *len);
/* print(expr): text `value\n`; JSON {"type": "value", "data": ...}. */
void out_value(struct out_sink *s, const struct ty *t, const void *value);
/* time(fmt): the current local time through strftime. */
void out_time(struct out_sink *s, const char *fmt);
/* join(array, sep) */
void out_join(struct out_sink *s, const struct desc_event *ev, const void *record);
/* cat() file contents and system() command output, already read. */
void out_cat(struct out_sink *s, const char *data, size_t len);
void out_syscall(struct out_sink *s, const char *data, size_t len);
/* "Attached N probes" (stderr) / {"type": "attached_probes", ...} */
void out_attached(struct out_sink *s, uint64_t nprobes);
/* "Lost N events" (stderr) / {"type": "lost_events", ...} */
void out_lost(struct out_sink *s, uint64_t nevents);
/* After the last event, before the maps: "\n\n" in text mode, nothing in
 * JSON. Printed whether or not maps are printed. */
void out_end(struct out_sink *s);

/* A value as print() would show it inside text output (the form %s uses), or
 * as JSON; malloc'd and NUL-terminated, length in *len (may be NULL). */
char *out_value_str(struct out_sink *s, const struct ty *t, const void *value, bool json,
		    size_t *len);

/* ---- maps ---------------------------------------------------------------- */

/* The entries of one map as read from the kernel, copied in. Each `values` is
 * `nvalues` blobs out_value_stride(m) bytes apart: nvalues is the number of
 * possible CPUs for a per-CPU map, 1 otherwise. Keys are m->key_size bytes. */
struct out_snapshot;

uint32_t out_value_stride(const struct desc_map *m);
struct out_snapshot *out_snapshot_new(const struct desc_map *m, uint32_t nvalues);
void out_snapshot_add(struct out_snapshot *snap, const void *key, const void *values);
size_t out_snapshot_len(const struct out_snapshot *snap);
void out_snapshot_free(struct out_snapshot *snap);

/* print(@m, top, div): top 0 keeps every entry, div 0 is 1. An empty scalar
 * map prints its zero value. */
void out_map_print(struct out_sink *s, const struct desc_map *m,
		   const struct out_snapshot *snap, uint64_t top, uint64_t div);

/* At exit, after out_end(): every DESC_MAP_USER map in name order (byte
 * order, "@M" before "@a"), empty ones skipped. `read` fills `snap` (created
 * for it, freed after) with out_snapshot_add; a negative return skips that
 * map. */
typedef int (*out_map_read_fn)(void *ctx, const struct desc_map *m,
			       struct out_snapshot *snap);
void out_maps_at_exit(struct out_sink *s, const struct desc *d, uint32_t nvalues_percpu,
		      out_map_read_fn read, void *ctx);

/* ---- bucket indexes: the reference for codegen's IR -------------------- */

/* hist(v, k): 0 for v < 0; 1 + v for 0 <= v < 2^k; above that each power of
 * two is split in 2^k buckets: 1 + ((msb(v) - k + 1) << k) + the k bits
 * after v's top bit. With k = 0: 1 is 0, 2 is 1, i is [2^(i-2), 2^(i-1)). */
uint64_t out_hist_bucket(int64_t v, unsigned k);
/* lhist(v, min, max, step): 0 below min, 1 + (v - min) / step up to max,
 * 1 + (max - min) / step above it; that last index is the overflow bucket
 * printed [min + (max - min) / step * step, ...), so it also holds v == max.
 * The division is unsigned, as in bpftrace. */
uint64_t out_lhist_bucket(int64_t v, int64_t min, int64_t max, int64_t step);

/* ---- symbols --------------------------------------------------------- */

/* The kernel symbol containing addr, from /proc/kallsyms (read once, on
 * first use); NULL when unknown (or addresses are hidden). *off gets the
 * offset into it. */
const char *out_ksym(uint64_t addr, uint64_t *off);

#endif
