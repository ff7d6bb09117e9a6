/* tracefs: the kernel's tracing directory, found once and mounted by hawk when nobody has. */
#ifndef HAWK_RT_TRACEFS_H
#define HAWK_RT_TRACEFS_H

#include "common/diag.h"

/* A directory fd for the tracefs root (holding events/), cached for the
 * process. When neither /sys/kernel/tracing nor /sys/kernel/debug/tracing
 * has it, mounts tracefs at /sys/kernel/tracing. Returns the fd, or a
 * negative errno after one error through d (when d is not NULL). */
int rt_tracefs_root(struct diag *d);

/* The same for its events/ directory. */
int rt_tracefs_events(struct diag *d);

/* The path of the root found, for messages ("/sys/kernel/tracing"). */
const char *rt_tracefs_path(void);

#endif
