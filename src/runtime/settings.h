/* settings: the run options the settings (config.h) shape, shared by hawk and hawk-run. */
#ifndef HAWK_RT_SETTINGS_H
#define HAWK_RT_SETTINGS_H

#include "common/config.h"
#include "common/desc.h"
#include "runtime/run.h"

/* The limit on programs (bpftrace's message, through ro->diag), the verifier
 * log, the ring buffer, the maps at exit, missing probes, cat()'s bytes, the
 * truncation trailer. Returns 0, or 1 after an error. */
int rt_apply_settings(const struct desc *d, const struct cfg *c, struct rt_opts *ro);

/* The settings it reads, which an artifact carries (runtime/aot.c). */
extern const enum cfg_key rt_settings_keys[];
extern const size_t rt_nsettings_keys;

#endif
