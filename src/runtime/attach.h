/* attach: the kernel mechanisms behind each probe type's attach, and the parallel detach. */
#ifndef HAWK_RT_ATTACH_H
#define HAWK_RT_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/diag.h"
#include "common/desc.h"

struct bpf_link;
struct bpf_program;

/* What a probe's attach needs besides the probe and its program. */
struct rt_attach_ctx {
	struct diag *d;
	pid_t pid;          /* -p PID or the -c child, 0 for none: uprobes attach to it */
	bool dry_run;       /* --dry-run: a probe that cannot attach is a warning */
	enum rt_missing { RT_MISSING_ERROR, RT_MISSING_WARN, RT_MISSING_IGNORE }
		missing;    /* config missing_probes: warn or ignore go on without the probe */
	unsigned *skipped;  /* a uprobe_multi group's functions the kernel refused, each warned of */
};

/* Every link the probes left attached, in attach order. Destroying one
 * detaches it; `slow` marks those whose close waits for RCU grace periods
 * in the kernel (tracepoint and uprobe perf events, 75-120 ms each here). */
struct rt_links {
	struct rt_link {
		struct bpf_link *link;  /* NULL for a link libbpf 1.1 cannot make: then fd */
		int fd;
		bool slow;
		bool iter;      /* an iterator: rt_links_run_iters walks it */
	} *v;
	unsigned n, cap;
};

/* One attach mechanism (struct rt_provider.attach names one): attaches
 * prog for probe p and appends its links to out. Returns 0, or a negative
 * errno after one error through c->d naming the probe. */
typedef int rt_attach_fn(const struct rt_attach_ctx *c, const struct desc_probe *p,
			 struct bpf_program *prog, struct rt_links *out);

/* The mechanisms, one per enum rt_attach_mech value. */
rt_attach_fn rt_attach_none;           /* begin, end: run by BPF_PROG_TEST_RUN instead */
rt_attach_fn rt_attach_tracepoint;     /* a perf event on the tracepoint's id, CPU 0 */
rt_attach_fn rt_attach_rawtracepoint;  /* raw_tp, or tp_btf when the program is TRACING */
rt_attach_fn rt_attach_interval;       /* cpu-clock perf event on one CPU */
rt_attach_fn rt_attach_profile;        /* cpu-clock perf event on every online CPU */
rt_attach_fn rt_attach_software;       /* software perf event on every online CPU */
rt_attach_fn rt_attach_hardware;       /* hardware perf event on every online CPU */
rt_attach_fn rt_attach_watchpoint;     /* a hardware breakpoint on an address */
rt_attach_fn rt_attach_uprobe;         /* uprobe and uretprobe by symbol or address */
rt_attach_fn rt_attach_kprobe;         /* kprobe and kretprobe (absent on this kernel) */
rt_attach_fn rt_attach_fentry;         /* fentry and fexit (trampolines) */
rt_attach_fn rt_attach_iter;           /* an iterator link, walked by rt_links_run_iters */

/* Attach p: its provider's attach, or "not supported yet". */
int rt_probe_attach(const struct rt_attach_ctx *c, const struct desc_probe *p,
		    struct bpf_program *prog, struct rt_links *out);

/* Walk every iterator among the links once: its program runs for each
 * object (task, file, vma...), its output going where any probe's goes.
 * Returns how many were walked, or a negative errno after one error. */
int rt_links_run_iters(const struct rt_links *l, struct diag *d);

/* A hardware breakpoint perf event for watchpoint p (its length and mode)
 * on addr, in process pid (-1: any) on cpu (-1: any). The fd, or -errno:
 * -ENOSPC when the debug registers are all taken. */
int rt_breakpoint_open(const struct desc_probe *p, uint64_t addr, pid_t pid, int cpu);

/* The attach type of a uprobe_multi program (kernel 6.6; newer than this
 * machine's uapi headers and libbpf 1.1): set before load. */
#define RT_ATTACH_UPROBE_MULTI 48

/* Destroy every link, the slow ones in parallel threads (their cost is the
 * kernel's RCU wait, not CPU, so they overlap). Leaves out empty. */
void rt_links_destroy(struct rt_links *l);

/* Destroy every link without waiting on the kernel: the fast ones here,
 * the slow ones in a detached process (a double fork) that holds the only
 * references once this process has closed its own, so the kernel's RCU
 * waits happen after this process has exited. Only for programs that have
 * stopped themselves already (the stop flag): they stay attached, doing
 * nothing, until that process closes them; if it dies the kernel closes
 * them all the same. Falls back to rt_links_destroy when fork fails.
 * Leaves l empty. */
void rt_links_release(struct rt_links *l);

/* Whether this kernel has kprobes (a kprobe PMU under /sys/bus/event_source). */
bool rt_have_kprobes(void);

#endif
