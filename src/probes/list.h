/* list: hawk -l and -lv, the probe catalogue printed one probe a line. */
#ifndef HAWK_RT_LIST_H
#define HAWK_RT_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/diag.h"

/* List the probes matching `patterns` to out: one "provider:..." line per
 * probe, providers in name order, each provider's probes sorted and
 * de-duplicated and written as soon as that provider is done (so
 * `hawk -l | head` returns at once).
 *
 * patterns: NULL or "" lists everything this machine can trace; else a
 * comma-separated list of patterns, each "provider:part:part" with '*' the
 * only wildcard, matched one ':' part at a time. The provider may be an
 * alias (t, k, U...) or a wildcard; without a ':' the pattern names a
 * provider ("tracepoint") or searches the last part of every provider
 * ("*sched_switch*"). "struct NAME", "union NAME", "enum NAME" list kernel
 * types from BTF.
 * verbose: -lv: each probe's arguments indented under it, full type
 * definitions, and notes on stderr (through d) about the sources used.
 * pid: -p; uprobe:/usdt: then search every object mapped in that process.
 *
 * Returns 0 (also when the reader of out went away: EPIPE ends the listing
 * quietly), or a negative errno after one error line through d
 * ("ERROR: ..."); the CLI then exits with status 1. */
int rt_list(const char *patterns, bool verbose, pid_t pid, FILE *out, struct diag *d);

struct probe_point;
struct arena;

/* -l with a program: the probes each of a program's attach points would
 * attach to, in the order given, each attach point's probes sorted. The
 * points should have been through ap_parse; an unparsed one is matched from
 * its text. Same returns as rt_list. */
int rt_list_points(const struct probe_point *const *pts, size_t n, bool verbose, pid_t pid,
		   FILE *out, struct diag *d);

/* The probes an attach point names, as -l lists them (the text after
 * "provider:", e.g. "syscalls:sys_enter_openat"), sorted and de-duplicated:
 * the catalogue behind -l also expands a program's wildcards, so the two
 * agree. The strings live in `a`. Returns the count, or a negative errno
 * after one error through d. */
long rt_expand(const struct probe_point *ap, pid_t pid, struct arena *a, struct diag *d,
	       const char ***out);

#endif
