/* strtab: open-addressing string hash table (FNV-1a, linear probing) in the arena. */
#include "common/strtab.h"

#include <string.h>

struct strtab_slot {
	const char *key;
	uint32_t hash, gen, val;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot holding `key`, or the empty slot where it would go. cap is a power of
 * two and the table is never more than half full, so the probe ends. */
static struct strtab_slot *find(const struct strtab *t, const char *key, uint32_t h)
{
	uint32_t mask = t->cap - 1;
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		struct strtab_slot *s = &t->slots[i];
		if (s->gen != t->gen)
			return s;
		if (s->hash == h && !strcmp(s->key, key))
			return s;
	}
}

int64_t strtab_get(const struct strtab *t, const char *key)
{
	if (!t->n)
		return -1;
	struct strtab_slot *s = find(t, key, hash_str(key));
	return s->gen == t->gen ? (int64_t)s->val : -1;
}

static void grow(struct strtab *t, struct arena *a)
{
	struct strtab old = *t;
	t->cap = old.cap ? old.cap * 2 : 16;
	t->slots = arena_alloc(a, (size_t)t->cap * sizeof(*t->slots));
	t->gen = 1;
	for (uint32_t i = 0; i < old.cap; i++) {
		struct strtab_slot *s = &old.slots[i];
		if (s->gen == old.gen)
			*find(t, s->key, s->hash) = (struct strtab_slot){ s->key, s->hash, 1, s->val };
	}
}

void strtab_put(struct strtab *t, struct arena *a, const char *key, uint32_t val)
{
	if (!t->cap || (t->n + 1) * 2 > t->cap)
		grow(t, a);
	uint32_t h = hash_str(key);
	struct strtab_slot *s = find(t, key, h);
	if (s->gen != t->gen)
		t->n++;
	*s = (struct strtab_slot){ key, h, t->gen, val };
}

void strtab_clear(struct strtab *t)
{
	t->n = 0;
	t->gen++;
}
