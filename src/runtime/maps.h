/* maps: user space's passes over a user map (read, clear, zero, is it full), each one bounded. */
#ifndef HAWK_RT_MAPS_H
#define HAWK_RT_MAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "output/output.h"
#include "common/desc.h"

/* One map, and how to know that a signal asks a long pass to stop. The
 * fields are borrowed for the call. */
struct rt_map_op {
	int fd;
	const struct desc_map *m;
	uint32_t nvalues;                  /* values per entry: the CPUs of a per-CPU map, else 1 */
	bool (*interrupted)(void *arg);    /* NULL: never */
	void *arg;
};

/* Every entry into snap, in one pass that a probe adding and deleting keys
 * meanwhile can neither restart nor prolong: at most max_entries entries. */
void rt_map_read(const struct rt_map_op *op, struct out_snapshot *snap);
/* clear(@m) deletes every entry; zero(@m) sets every value to zero. */
void rt_map_clear(const struct rt_map_op *op, bool zero);
/* Whether a user hash map is full (a probe's new key would be refused). */
bool rt_map_full(const struct rt_map_op *op);

#endif
