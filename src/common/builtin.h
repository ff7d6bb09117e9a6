/* builtin: the one table of builtins, functions and aggregations (builtin.def). */
#ifndef HAWK_BUILTIN_H
#define HAWK_BUILTIN_H

#include <stdint.h>

#include "common/probetype.h"

/* BI_NONE (0) is "not a builtin"; a use in the tree carries its id
 * (ast.ident.bi, ast.call.bi), set once by sema; codegen dispatches on it. */
enum bi_id {
	BI_NONE = 0,
#define BI(id, name, form, min, max, probes, result, check, emit) BI_##id,
#include "common/builtin.def"
#undef BI
	BI__COUNT
};

enum bi_form { BI_FORM_VALUE, BI_FORM_BOTH, BI_FORM_NUMBERED, BI_FORM_CALL, BI_FORM_AGG };

enum bi_result { BI_RES_ANY, BI_RES_U32, BI_RES_U64, BI_RES_I64, BI_RES_BOOL, BI_RES_VOID };

/* Probe-type sets of the `probes` column. */
#define BI_PT(x) (1u << PROBE_##x)
#define BI_P_ALL (~0u)
#define BI_P_ARGS (BI_PT(TRACEPOINT) | BI_PT(RAWTRACEPOINT) | BI_PT(FENTRY) | BI_PT(FEXIT) | \
		   BI_PT(UPROBE) | BI_PT(URETPROBE) | BI_PT(ITER))
#define BI_P_RET (BI_PT(KRETPROBE) | BI_PT(URETPROBE) | BI_PT(FEXIT))

struct bi_info {
	const char *name;
	enum bi_form form;
	uint8_t min, max;         /* argument counts of the call form */
	uint32_t probes;          /* BI_PT() bits of the probe types it is valid in */
	enum bi_result result;
};

/* The row of `id` (BI_NONE has an empty one). */
const struct bi_info *bi_info(enum bi_id id);

/* The builtin or function `name` names as a call (f(...)): every row but the
 * NUMBERED ones. BI_NONE when none does. */
enum bi_id bi_lookup_call(const char *name);
/* The builtin `name` names as a bare word: VALUE and BOTH rows, and NUMBERED
 * ones followed by 1 to 3 digits (arg0, sarg12). */
enum bi_id bi_lookup_value(const char *name);

#endif
