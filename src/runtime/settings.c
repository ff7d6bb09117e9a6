/* settings: the run options the settings (config.h) shape, shared by hawk and hawk-run. */
#include "runtime/settings.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/arena.h"
#include "output/output.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ring buffer's pages: perf_rb_pages, except for a program whose only
 * records are exit()'s, which gets EXIT_ONLY_RB_PAGES unless perf_rb_pages
 * was changed. Maps print from the maps, not the ring, so `BEGIN { exit() }`
 * or a map-only program sends one record a run (a few, if exit() races on
 * several CPUs before the stop flag is set); the default ring (4 MiB, which
 * the reader maps twice, every page counted in RSS) was 7.4 MiB of such a
 * run's 29 MiB peak. */
enum { EXIT_ONLY_RB_PAGES = 16 };

static uint64_t rb_pages(const struct desc *d, const struct cfg *c)
{
	struct cfg def;
	cfg_init(&def);
	if (cfg_u(c, CFG_PERF_RB_PAGES) != cfg_u(&def, CFG_PERF_RB_PAGES))
		return cfg_u(c, CFG_PERF_RB_PAGES);
	for (uint32_t i = 0; i < d->nevents; i++)
		if (d->events[i].kind != DESC_EV_EXIT)
			return cfg_u(c, CFG_PERF_RB_PAGES);
	return EXIT_ONLY_RB_PAGES;
}

/* Every setting rt_apply_settings reads: an artifact carries their values
 * from its compile (aot.c), so a key read here and missing there would take
 * its default through hawk-run (show_debug_info did). */
const enum cfg_key rt_settings_keys[] = {
	CFG_MAX_CAT_BYTES, CFG_LOG_SIZE, CFG_PERF_RB_PAGES, CFG_MAX_BPF_PROGS,
	CFG_PRINT_MAPS_ON_EXIT, CFG_STR_TRUNC_TRAILER, CFG_MISSING_PROBES, CFG_SHOW_DEBUG_INFO,
};
const size_t rt_nsettings_keys = sizeof(rt_settings_keys) / sizeof(rt_settings_keys[0]);

int rt_apply_settings(const struct desc *d, const struct cfg *c, struct rt_opts *ro)
{
	/* max_probes is checked at expansion (sema), before code is made. */
	/* Programs: probes that share one program count once (sorted names,
	 * so that 100,000 probes cost no quadratic scan). */
	const char **names = xmalloc((d->nprobes ? d->nprobes : 1) * sizeof(*names));
	for (uint32_t i = 0; i < d->nprobes; i++)
		names[i] = d->probes[i].prog_name;
	qsort(names, d->nprobes, sizeof(*names), cmp_str);
	uint32_t progs = 0;
	for (uint32_t i = 0; i < d->nprobes; i++)
		progs += i == 0 || strcmp(names[i - 1], names[i]);
	free(names);
	uint64_t max = cfg_u(c, CFG_MAX_BPF_PROGS);
	if (progs > max) {
		diag_plain(ro->diag, DIAG_ERROR, "Your program is trying to generate more than %u BPF "
			   "programs, which exceeds the current limit of %llu. You can increase the limit "
			   "through the BPFTRACE_MAX_BPF_PROGS environment variable.", progs,
			   (unsigned long long)max);
		return 1;
	}
	ro->log_size = (uint32_t)cfg_u(c, CFG_LOG_SIZE);
	/* The kernel wants a power of two: the pages asked for, rounded up
	 * (this machine's page size, read here: never baked into an artifact). */
	uint64_t bytes = rb_pages(d, c) * (uint64_t)sysconf(_SC_PAGESIZE), p2 = 1;
	while (p2 < bytes)
		p2 <<= 1;
	ro->ringbuf_bytes = p2;
	ro->no_exit_maps = !cfg_u(c, CFG_PRINT_MAPS_ON_EXIT);
	/* the config's order (error, warn, ignore) is the runtime's */
	ro->missing_probes = (int)cfg_u(c, CFG_MISSING_PROBES);
	ro->cat_bytes_max = cfg_u(c, CFG_MAX_CAT_BYTES);
	out_set_trunc_trailer(cfg_str(c, CFG_STR_TRUNC_TRAILER));
	out_set_debug_info(cfg_u(c, CFG_SHOW_DEBUG_INFO) != 0);
	return 0;
}
