/* watch: breakpoints opened while the program runs, for watchpoint:FUNC+argN and unwatch(). */
#include "runtime/watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "common/arena.h"
#include "runtime/attach.h"

int rt_watch_add(struct rt_watches *w, unsigned probe, const struct desc_probe *p,
		 struct bpf_program *prog, pid_t pid, uint64_t addr, FILE *out, struct diag *d)
{
	if (probe >= w->nlast) {
		w->last = xrealloc(w->last, (probe + 1) * sizeof(*w->last));
		memset(w->last + w->nlast, 0, (probe + 1 - w->nlast) * sizeof(*w->last));
		w->nlast = probe + 1;
	}
	if (w->last[probe] == addr)
		return 0;
	w->last[probe] = addr;
	int pfd = rt_breakpoint_open(p, addr, pid ? pid : -1, pid ? -1 : 0);
	if (pfd == -ENOSPC) {
		fprintf(out, "Failed to attach watchpoint probe. You are out of watchpoint registers.\n");
		fflush(out);
		return pfd;
	}
	if (pfd < 0) {
		diag_plain(d, DIAG_ERROR, "cannot attach %s on 0x%llx: the kernel refused the breakpoint "
			   "(perf_event_open: %s)", p->name, (unsigned long long)addr, strerror(-pfd));
		return pfd;
	}
	struct bpf_link *link = bpf_program__attach_perf_event(prog, pfd);
	if (!link) {
		int e = errno;
		close(pfd);
		diag_plain(d, DIAG_ERROR, "cannot attach %s on 0x%llx: %s", p->name,
			   (unsigned long long)addr, strerror(e));
		return -e;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = (struct rt_watch){ addr, probe, link };
	return 0;
}

void rt_watch_remove(struct rt_watches *w, uint64_t addr)
{
	unsigned k = 0;
	for (unsigned i = 0; i < w->n; i++) {
		if (w->v[i].addr == addr)
			bpf_link__destroy(w->v[i].link);
		else
			w->v[k++] = w->v[i];
	}
	w->n = k;
}

void rt_watches_free(struct rt_watches *w)
{
	for (unsigned i = 0; i < w->n; i++)
		bpf_link__destroy(w->v[i].link);
	free(w->v);
	free(w->last);
	*w = (struct rt_watches){ 0 };
}
