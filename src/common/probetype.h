/* probetype: the table of probe providers by name and alias. */
#ifndef HAWK_PROBETYPE_H
#define HAWK_PROBETYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum probe_type {
	PROBE_INVALID = 0,
#define PROBE(id, name, a1, a2, a3) PROBE_##id,
#include "common/probetype.def"
#undef PROBE
	PROBE__COUNT
};

/* The provider named by s[0..n) (canonical, any case, or an exact alias). */
enum probe_type probetype_lookup(const char *s, size_t n);
const char *probetype_name(enum probe_type t);
/* What the `probetype` builtin reads: current bpftrace's class of the type,
 * "special" for begin, end and self, "benchmark" for bench, else the name. */
const char *probetype_class(enum probe_type t);

/* An attach point as plain parts, after ap_parse (src/parser/attachpoint.c) has split it
 * with its probe type's parse hook; the probe catalogue expands and lists from it. */
struct probe_point {
	const char *raw;          /* as written, quotes kept */
	bool parsed;              /* false until ap_parse ran */
	enum probe_type ptype;
	const char *provider;     /* as spelled */
	const char *target;       /* binary, library, usdt path, tracepoint category, module */
	const char *ns;           /* usdt provider (namespace) */
	const char *func;         /* function, event, usdt probe, iterator, sw/hw event */
	const char *lang;         /* uprobe language part, e.g. "cpp" */
	const char *src_file;     /* uprobe bin@file.c:line */
	const char *unit;         /* profile/interval unit: hz s ms us ns */
	const char *mode;         /* watchpoint access mode, e.g. "rw" */
	const char *pin;          /* iter pin path */
	uint64_t freq;            /* profile/interval rate or period, sw/hw count, watchpoint length */
	uint64_t offset;          /* fn+offset */
	uint64_t addr;            /* absolute address */
	uint32_t line, column;    /* uprobe file:line[:col] */
	bool has_freq, has_offset, has_addr, wildcard;
};

#endif
