/* point: what a probe type's parse hook uses to fill a probe_point from the parts of "provider:part:part". */
#ifndef HAWK_PROBES_POINT_H
#define HAWK_PROBES_POINT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/diag.h"
#include "common/probetype.h"

/* One attach point being parsed: errors are located at `span` and counted. */
struct pt_ctx {
	struct arena *arena;
	struct diag *diag;
	struct span span;
	unsigned errors;
};

void pt_err(struct pt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A decimal, hex (0x) or octal number, '_' allowed between digits. */
bool pt_parse_u64(const char *s, uint64_t *out);
/* "1s", "100ms", "5us", "250ns", or plain nanoseconds: interval:1s (0.24+). */
bool pt_parse_duration(const char *s, uint64_t *ns, const char **unit);
/* Whether n lies in [lo, hi]; if not reports "invalid TYPE attach point, expected FORM". */
bool pt_need_parts(struct pt_ctx *c, const struct probe_point *pt, int n, int lo, int hi,
		   const char *form);
/* "func+0x10" -> func and offset; "0xffff..." alone -> an address. */
void pt_func_or_addr(struct pt_ctx *c, struct probe_point *pt, const char *s, bool allow_offset);
/* profile/interval: TYPE:UNIT:N or TYPE:DURATION. */
void pt_rate(struct pt_ctx *c, struct probe_point *pt, char **parts, int n);

#endif
