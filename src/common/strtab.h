/* strtab: a name-to-index hash table in the compilation's arena, so that look-ups of
 * variables and maps cost the same for the 100,000th name as for the first. */
#ifndef HAWK_STRTAB_H
#define HAWK_STRTAB_H

#include <stdint.h>

#include "common/arena.h"

/* Keys are borrowed (they live in the arena, as every name in the tree does);
 * values are indexes into the caller's own array, which may move when it grows.
 * A zeroed struct strtab is an empty table. Its slots come from the arena given
 * to strtab_put and die with it. */
struct strtab_slot;
struct strtab {
	struct strtab_slot *slots;
	uint32_t cap, n;
	uint32_t gen;           /* slots of an older generation are empty: clearing is O(1) */
};

/* The index stored for `key`, or -1. */
int64_t strtab_get(const struct strtab *t, const char *key);
/* Stores (or replaces) key -> val. */
void strtab_put(struct strtab *t, struct arena *a, const char *key, uint32_t val);
/* Empties the table in O(1), keeping its room (one scope per probe). */
void strtab_clear(struct strtab *t);

#endif
