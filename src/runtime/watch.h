/* watch: watchpoint:FUNC+argN at run time: one breakpoint per reported address, detached by unwatch(). */
#ifndef HAWK_RT_WATCH_H
#define HAWK_RT_WATCH_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/diag.h"
#include "common/desc.h"

struct bpf_link;
struct bpf_program;

/* The watches attached so far; they own their links. */
struct rt_watches {
	struct rt_watch {
		uint64_t addr;
		unsigned probe;      /* index into desc.probes */
		struct bpf_link *link;
	} *v;
	unsigned n, cap;
	/* Per probe, the address it was last asked to watch: asked again, even
	 * after unwatch(), it is not watched anew (bpftrace's rule). */
	uint64_t *last;
	unsigned nlast;
};

/* Watch addr in process pid for probe p (desc.probes[probe]) with its
 * program, unless it is the address the probe last watched. Out of debug registers, says so on
 * out as bpftrace does and returns -ENOSPC; other failures are reported
 * through d, a negative errno. */
int rt_watch_add(struct rt_watches *w, unsigned probe, const struct desc_probe *p,
		 struct bpf_program *prog, pid_t pid, uint64_t addr, FILE *out, struct diag *d);

/* unwatch(addr): detach every watch on addr; an address not watched is no error. */
void rt_watch_remove(struct rt_watches *w, uint64_t addr);

/* Detach them all. */
void rt_watches_free(struct rt_watches *w);

#endif
