/* provider: one record per probe type (its attach point, catalogue, program and attach), in one table. */
#ifndef HAWK_RT_PROVIDER_H
#define HAWK_RT_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/arena.h"
#include "common/diag.h"
#include "common/probetype.h"

/* A pattern has at most this many parts after the provider (usdt:path:ns:probe). */
#define RT_MATCH_MAX_PARTS 4

/* What a listing asks of one provider: the pattern's parts after the provider
 * name, '*' the only wildcard, each matched against one ':' part of a probe. */
struct rt_match {
	const char *part[RT_MATCH_MAX_PARTS];
	unsigned nparts;
	bool named;          /* provider named in the pattern, not reached by a wildcard */
	bool verbose;        /* -v: notes on stderr; -lv: arguments */
	pid_t pid;           /* -p, else 0 */
	struct diag *d;
};

/* A provider's entries for one pattern: list.c sorts and de-duplicates them,
 * then prints "provider:entry" and, under -lv, the provider's description.
 * Memory from rt_out_arena lives until the batch has been printed. */
struct rt_out;

struct pt_ctx;

/* Add one entry (its text after "provider:"); cookie comes back to describe. */
void rt_out_add(struct rt_out *o, const char *entry, size_t len, void *cookie);
void rt_out_addf(struct rt_out *o, void *cookie, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct arena *rt_out_arena(struct rt_out *o);
/* Run fn(arg) once the batch is printed (close files, free handles). */
void rt_out_on_done(struct rt_out *o, void (*fn)(void *), void *arg);

enum rt_provider_flags {
	RT_PROV_WILD = 1 << 0,  /* listed when the pattern's provider part is a wildcard */
	RT_PROV_USER = 1 << 1,  /* needs a binary: only with -p or a target that exists */
	RT_PROV_REVERSE = 1 << 2, /* attached after the others, last probe first: the kernel
	                           * runs the programs on one uprobe newest first */
	RT_PROV_STATIC = 1 << 3,  /* a fixed table, listed even where it cannot attach (as
	                           * bpftrace lists hardware events in a VM without PMU) */
	RT_PROV_PID_FILTER = 1 << 4, /* -p: its programs return at once for other processes
	                              * (bpftrace 0.24's filter on kernel probes) */
};

/* How the runtime attaches a probe of a type: runtime/attach.c has one
 * mechanism each. A value, not a function, so that this record (which the
 * parser and the semantic passes read) links no libbpf attach code. */
enum rt_attach_mech {
	RT_ATTACH_UNSUPPORTED = 0,  /* "not supported yet" */
	RT_ATTACH_NONE,             /* begin, end: run by BPF_PROG_TEST_RUN instead */
	RT_ATTACH_TRACEPOINT,       /* a perf event on the tracepoint's id */
	RT_ATTACH_RAWTRACEPOINT,    /* raw_tp, or tp_btf when the program is TRACING */
	RT_ATTACH_INTERVAL,         /* cpu-clock perf event on one CPU */
	RT_ATTACH_PROFILE,          /* cpu-clock perf event on every online CPU */
	RT_ATTACH_SOFTWARE,         /* software perf event on every online CPU */
	RT_ATTACH_HARDWARE,         /* hardware perf event on every online CPU */
	RT_ATTACH_UPROBE,           /* uprobe and uretprobe by symbol or address */
	RT_ATTACH_KPROBE,           /* kprobe and kretprobe */
	RT_ATTACH_FENTRY,           /* fentry and fexit (trampolines) */
	RT_ATTACH_ITER,             /* an iterator link, read to the end once attached */
	RT_ATTACH_WATCHPOINT,       /* a hardware breakpoint perf event on an address */
	RT_ATTACH__COUNT
};

/* How an attach point becomes the concrete probes a program attaches. */
enum rt_expand {
	RT_EXPAND_UNSUPPORTED = 0,  /* "not supported yet" */
	RT_EXPAND_ONE,              /* the attach point is its own single probe */
	RT_EXPAND_CATALOGUE,        /* every catalogue entry it matches (as -l lists) */
	RT_EXPAND_FUNCTION,         /* one named function (or address); wildcards through the catalogue */
	RT_EXPAND_UPROBE,           /* functions of user objects, each at its file offset (expand_user.c) */
	RT_EXPAND_USDT,             /* the SDT notes' probe sites and operands (expand_user.c) */
	RT_EXPAND_WATCHPOINT,       /* an address, or FUNC+argN: a watch plus its setup uprobe (expand_user.c) */
};

/* Where `args` (and arg0..N, retval) come from. */
enum rt_args {
	RT_ARGS_NONE = 0,
	RT_ARGS_TRACEPOINT,  /* the tracepoint's format file: a record at its offsets in ctx */
	RT_ARGS_REGS,        /* arg0..N and retval from struct pt_regs */
	RT_ARGS_RAWTP,       /* BTF prototype of __probestub_/__traceiter_EVENT after __data; u64 slots */
	RT_ARGS_FENTRY,      /* BTF prototype of the function; u64 slots */
	RT_ARGS_FEXIT,       /* the same, retval in the slot after the last argument */
	RT_ARGS_ITER,        /* BTF prototype of bpf_iter_NAME (meta, then the object); u64 slots */
};

/* The ELF section: `section` alone, or followed by "/FUNC" or "/TARGET/FUNC". */
enum rt_section_form { RT_SEC_BARE, RT_SEC_FUNC, RT_SEC_TARGET_FUNC };

/* One probe type: everything hawk knows about it, from the attach point's
 * spelling to the kernel attach. The generic code (ap_parse, -l, expansion,
 * codegen's sections, the runtime's attach) loops over or indexes these; a
 * new probe type is one probe_*.c file and one line in provider.c. */
struct rt_provider {
	enum probe_type type;
	const char *name;            /* canonical, as printed */
	const char *form;            /* the attach point's shape, for error messages */
	unsigned max_parts;          /* parts after the provider (listing patterns) */
	unsigned flags;              /* enum rt_provider_flags */
	bool wildcards;              /* '*' allowed in the attach point's parts */

	/* The attach point: fill pt from parts[0..n) (parts[0] the provider as
	 * spelled), reporting errors through c. NULL: the provider name alone. */
	void (*parse)(struct pt_ctx *c, struct probe_point *pt, char **parts, int n);
	/* The parts the catalogue matches for a parsed attach point, in the
	 * order of its entries (missing ones "*"); 0 when the attach point is
	 * its own single probe (then print writes it). NULL: 0. */
	unsigned (*parts)(const struct probe_point *pt, const char **parts);
	/* -l of a single-probe attach point, in canonical form. NULL: as written. */
	void (*print)(const struct probe_point *pt, FILE *f);

	/* Whether this machine can trace with it; if not, wildcard listings skip
	 * it and *why says so under -v. NULL: always. */
	bool (*available)(const char **why);
	/* Add every probe matching m to out. Returns 0, or a negative errno
	 * after reporting one error through m->d. NULL: not listed. */
	int (*list)(const struct rt_match *m, struct rt_out *out);
	/* -lv: the arguments of one listed entry, one "    decl" line each. NULL: none. */
	void (*describe)(const struct rt_match *m, const char *entry, void *cookie, FILE *f);

	/* Expansion into concrete probes, and where their arguments come from. */
	enum rt_expand expand;
	enum rt_args args;

	/* The ELF section of its BPF programs (libbpf reads the program type
	 * from it, and for some the attach target). NULL: no program yet. */
	const char *section;
	enum rt_section_form section_form;
	/* How the runtime attaches it. */
	enum rt_attach_mech attach;
	/* With RT_PROV_REVERSE: whether the probe on `func` is one the kernel
	 * runs newest first (attach it last first). NULL: every one is. */
	bool (*newest_first)(const char *func);
};

/* Whether a probe of type t on func is attached after the others, last
 * probe first (RT_PROV_REVERSE and the record's newest_first). */
bool rt_attach_reversed(enum probe_type t, const char *func);

/* The records that list probes, in name order (the order -l prints them in). */
const struct rt_provider *const *rt_providers_listed(size_t *n);

/* The record of a probe type; NULL only for PROBE_INVALID. */
const struct rt_provider *rt_provider_of(enum probe_type t);

/* Glob with '*' only: does pat match s[0..n)? */
bool rt_glob(const char *pat, const char *s, size_t n);
bool rt_has_wild(const char *s);
/* A two-part entry "name:" whose second part (a count or a rate) is left
 * empty, as bpftrace lists them: does m match it? */
bool rt_match_name_colon(const struct rt_match *m, const char *name);

/* Part i of a provider whose entries have `arity` parts, the pattern's parts
 * aligned to the right (a missing leading part is "*"); NULL when the
 * pattern has more parts than arity. */
const char *rt_match_part(const struct rt_match *m, unsigned i, unsigned arity);

/* The records, each in its probe_*.c file: rt_prov_<canonical name>. */
#define PROBE(id, name, a1, a2, a3) extern const struct rt_provider rt_prov_##name;
#include "common/probetype.def"
#undef PROBE

/* Perf events behind software:/hardware: probes (perf type and config), with
 * bpftrace's default sample periods. */
struct rt_perf_event {
	const char *name, *alias;
	uint32_t type;
	uint64_t config, period;
};
const struct rt_perf_event *rt_perf_event_find(enum probe_type t, const char *name);

#endif
