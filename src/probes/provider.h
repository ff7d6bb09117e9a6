/* provider: one probe type's catalogue (and later its attach mechanics), registered in one table. */
#ifndef HAWK_RT_PROVIDER_H
#define HAWK_RT_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "arena.h"
#include "diag.h"
#include "ast/probetype.h"

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

struct bpf_program;
struct desc_probe;
struct rt_attach_ctx;
struct rt_links;

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
};

struct rt_provider {
	enum probe_type type;
	const char *name;            /* canonical, as printed */
	const char *form;            /* the attach point's shape, for error messages */
	unsigned max_parts;          /* parts after the provider */
	unsigned flags;              /* enum rt_provider_flags */

	/* Whether this machine can trace with it; if not, wildcard listings skip
	 * it and *why says so under -v. NULL: always. */
	bool (*available)(const char **why);
	/* Add every probe matching m to out. Returns 0, or a negative errno
	 * after reporting one error through m->d. */
	int (*list)(const struct rt_match *m, struct rt_out *out);
	/* -lv: the arguments of one listed entry, one "    decl" line each. NULL: none. */
	void (*describe)(const struct rt_match *m, const char *entry, void *cookie, FILE *f);

	/* Attach the program that serves one probe of this type, appending the
	 * links that keep it attached (detaching is destroying them: see
	 * rt_links_destroy in attach.h). The mechanisms live in attach.c
	 * (rt_attach_tracepoint, ...). NULL: "not supported yet".
	 * Room left for: program type, section. */
	int (*attach)(const struct rt_attach_ctx *c, const struct desc_probe *p,
		      struct bpf_program *prog, struct rt_links *out);
};

/* The providers in name order (the order -l prints them in). */
extern const struct rt_provider *const rt_providers[];
extern const size_t rt_nproviders;

/* The provider of a probe type, NULL for types that have none (watchpoint). */
const struct rt_provider *rt_provider_of(enum probe_type t);

/* Glob with '*' only: does pat match s[0..n)? */
bool rt_glob(const char *pat, const char *s, size_t n);
bool rt_has_wild(const char *s);

/* Part i of a provider whose entries have `arity` parts, the pattern's parts
 * aligned to the right (a missing leading part is "*"); NULL when the
 * pattern has more parts than arity. */
const char *rt_match_part(const struct rt_match *m, unsigned i, unsigned arity);

/* The providers, each in its own probe_*.c file. */
extern const struct rt_provider rt_prov_begin, rt_prov_end, rt_prov_self;
extern const struct rt_provider rt_prov_software, rt_prov_hardware;
extern const struct rt_provider rt_prov_interval, rt_prov_profile, rt_prov_iter;
extern const struct rt_provider rt_prov_tracepoint, rt_prov_rawtracepoint;
extern const struct rt_provider rt_prov_kprobe, rt_prov_kretprobe;
extern const struct rt_provider rt_prov_fentry, rt_prov_fexit;
extern const struct rt_provider rt_prov_uprobe, rt_prov_uretprobe, rt_prov_usdt;

/* Perf events behind software:/hardware: probes (perf type and config), with
 * bpftrace's default sample periods. */
struct rt_perf_event {
	const char *name, *alias;
	uint32_t type;
	uint64_t config, period;
};
const struct rt_perf_event *rt_perf_event_find(enum probe_type t, const char *name);

#endif
