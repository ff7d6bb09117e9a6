/* expand_impl: what the expansion pass's files share (expand.c, expand_user.c). */
#ifndef HAWK_EXPAND_IMPL_H
#define HAWK_EXPAND_IMPL_H

#include "ast/sema.h"

struct expander {
	struct pass_ctx *ctx;
	struct sema *s;
	unsigned errors;
	unsigned skipped;    /* probes left out by missing_probes (expand_unattachable) */
	const char *hint;    /* "did you mean" for the probe whose only attach point matched nothing */
	/* matches counted but not expanded: once a program is past the probe
	 * limit it is refused, so the rest need no format files read
	 * (tracepoint:*:* read 2,300 of them to be told it has too many) */
	unsigned uncounted;
	uint64_t max_probes;
	/* suggest()'s last catalogue listing (a type's names under one target):
	 * a script with many typos of one kind lists the ~70,000 kernel
	 * functions once, not once per typo; past SUGGEST_MAX typos, no more
	 * suggestions at all (each other target is a listing of its own) */
	struct {
		bool valid;
		enum probe_type type;
		const char *target;
		const char **v;
		long n;
		unsigned made;
	} sug;
};

enum { SUGGEST_MAX = 16 };

/* A new program for attach point ap of probe. */
struct sema_expansion *expand_add(struct expander *x, struct ast *probe, struct ast *ap);

/* Attach point ap names nothing that exists (`what`, as bpftrace writes it:
 * "syscalls:nonsense", "./prog:fn"): config missing_probes says whether that
 * is an error (the default), a warning and the attach point skipped, or
 * skipped silently. hint: a close name, or NULL. */
void expand_missing(struct expander *x, struct ast *ap, const char *kind, const char *what,
		    const char *hint);

/* Attach point ap names a probe (`name`, as bpftrace names it) that exists
 * but cannot be attached safely. `why` is bpftrace's words (a line or two),
 * printed unlocated as bpftrace prints its attach errors, then `hint` (or
 * NULL) as a HINT line, then bpftrace's located "Unable to attach probe".
 * missing_probes decides as for expand_missing: an error (the default), a
 * warning and the probe skipped, or skipped silently. */
void expand_unattachable(struct expander *x, struct ast *ap, const char *name, const char *why,
			 const char *hint);

/* expand_user.c: uprobe/uretprobe and usdt, from the objects' symbols and notes. */
void expand_uprobe(struct expander *x, struct ast *probe, struct ast *ap);
void expand_usdt(struct expander *x, struct ast *probe, struct ast *ap);
void expand_watchpoint(struct expander *x, struct ast *probe, struct ast *ap);

#endif
