/* maps: user space's passes over a user map (read, clear, zero, is it full), each one bounded. */
#include "runtime/maps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "common/arena.h"

static bool stop(const struct rt_map_op *op)
{
	return op->interrupted && op->interrupted(op->arg);
}

/* A snapshot of a map's keys (and values). */
struct map_batch {
	uint8_t *keys, *vals;
	uint32_t n, cap;              /* entries, and at most max_entries */
	uint32_t alloc;               /* entries the buffers hold */
	size_t ksz, vsz;
};

/* Room for `want` more entries, or as many as cap allows: the buffers
 * grow as entries come, so a map declared large but nearly empty costs
 * little. Returns the entries free. */
static uint32_t batch_room(struct map_batch *b, uint32_t want)
{
	while (b->alloc - b->n < want && b->alloc < b->cap) {
		b->alloc = b->alloc > b->cap / 2 ? b->cap : 2 * b->alloc;
		b->keys = xrealloc(b->keys, (size_t)b->alloc * b->ksz);
		b->vals = xrealloc(b->vals, (size_t)b->alloc * (b->vsz ? b->vsz : 1));
	}
	return b->alloc - b->n;
}

static void batch_free(struct map_batch *b)
{
	free(b->keys);
	free(b->vals);
}

/* get_next_key from prev, at most cap entries. The walk is not a snapshot:
 * when a probe deletes the key it stands on, the kernel starts it over at
 * the first key, so only the count bounds it. */
static void collect_walk(const struct rt_map_op *op, struct map_batch *b, bool vals)
{
	uint8_t *prev = xmalloc(b->ksz);
	bool first = true;
	for (uint64_t steps = 0; batch_room(b, 1) && steps < 2ull * b->cap + 16; steps++) {
		uint8_t *next = b->keys + (size_t)b->n * b->ksz;
		if (bpf_map_get_next_key(op->fd, first ? NULL : prev, next) || stop(op))
			break;
		memcpy(prev, next, b->ksz);
		first = false;
		if (vals && bpf_map_lookup_elem(op->fd, next, b->vals + (size_t)b->n * b->vsz))
			continue; /* deleted meanwhile */
		b->n++;
	}
	free(prev);
}

/* Every entry of the map, in one pass: batched lookups (kernel >= 5.6)
 * walk the hash table's buckets once, whatever the probes add or delete
 * meanwhile. Walking with get_next_key and deleting the first key again
 * and again never ended while a live probe kept putting keys back (hawk's
 * own system calls among them). With del, each bucket is deleted as it is
 * read. At most max_entries entries; a signal stops it. Returns false when
 * the kernel has no batch operations for the map (then b holds what a
 * get_next_key walk found, and nothing was deleted). */
static bool collect(const struct rt_map_op *op, bool vals, bool del, struct map_batch *b)
{
	const struct desc_map *m = op->m;
	*b = (struct map_batch){ .ksz = m->key_size ? m->key_size : 1,
				 .vsz = (size_t)op->nvalues * out_value_stride(m) };
	b->cap = m->max_entries ? m->max_entries : 1;
	b->alloc = b->cap < 4096 ? b->cap : 4096;
	b->keys = xcalloc(b->alloc, b->ksz);
	b->vals = xcalloc(b->alloc, b->vsz ? b->vsz : 1);
	/* the batch token: a bucket index (hash) or a key (array) */
	size_t tsz = b->ksz + 8;
	uint8_t *tok = xcalloc(2, tsz), *in = NULL;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int err = 0;
	/* A hash bucket comes whole or not at all (ENOSPC when it does not
	 * fit): room for a few hundred entries before each call. */
	for (uint32_t calls = 0; batch_room(b, 256) && calls <= b->cap && !stop(op); calls++) {
		__u32 count = b->alloc - b->n;
		err = (del ? bpf_map_lookup_and_delete_batch : bpf_map_lookup_batch)(
			op->fd, in, tok + tsz, b->keys + (size_t)b->n * b->ksz,
			b->vals + (size_t)b->n * b->vsz, &count, &bo);
		if (err && err != -ENOENT)
			break;
		b->n += count;
		if (err == -ENOENT)
			break;
		memcpy(tok, tok + tsz, tsz);
		in = tok;
	}
	free(tok);
	if (err && err != -ENOENT && !stop(op)) {
		b->n = 0;
		collect_walk(op, b, vals);
		return false;
	}
	return true;
}

void rt_map_read(const struct rt_map_op *op, struct out_snapshot *snap)
{
	struct map_batch b;
	collect(op, true, false, &b);
	for (uint32_t i = 0; i < b.n; i++)
		out_snapshot_add(snap, b.keys + (size_t)i * b.ksz, b.vals + (size_t)i * b.vsz);
	batch_free(&b);
}

/* Both work on a snapshot of the keys: a key a probe adds meanwhile stays. */
void rt_map_clear(const struct rt_map_op *op, bool zero)
{
	const struct desc_map *m = op->m;
	size_t stride = out_value_stride(m), vsz = (size_t)op->nvalues * stride;
	uint8_t *val = xcalloc(1, vsz ? vsz : 1);
	bool arr = m->bpf_type == BPF_MAP_TYPE_ARRAY || m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	if (zero && arr && m->value && m->value->kind == TY_AGG && m->value_size >= 8) {
		/* zero() keeps a scalar aggregation present (its last u64), at 0 */
		uint64_t one = 1;
		for (uint32_t cpu = 0; cpu < op->nvalues; cpu++)
			memcpy(val + (size_t)cpu * stride + m->value_size - 8, &one, sizeof one);
	}
	struct map_batch b;
	/* clear() of a hash map: looked up and deleted bucket by bucket in the
	 * kernel, one call for thousands of keys. */
	bool del = !zero && !arr;
	if (collect(op, false, del, &b) && del) {
		batch_free(&b);
		free(val);
		return;
	}
	for (uint32_t i = 0; i < b.n && !stop(op); i++) {
		const uint8_t *key = b.keys + (size_t)i * b.ksz;
		if (zero || arr)
			bpf_map_update_elem(op->fd, key, val, BPF_EXIST);
		else
			bpf_map_delete_elem(op->fd, key);
	}
	batch_free(&b);
	free(val);
}

/* A key no program plausibly uses (every byte 0xfe) inserted with
 * BPF_NOEXIST and deleted again at once: a full hash map refuses it with
 * E2BIG, as it refuses the probes' new keys. Two system calls, and nothing
 * in the probes (a flag set on a failed update cost six instructions per
 * update site). A scalar map holds its one entry by design. */
bool rt_map_full(const struct rt_map_op *op)
{
	const struct desc_map *m = op->m;
	/* a map of one entry (a scalar, or declared hash(1)) is "full" with its
	 * one key: only a refused update would tell, and the probes do not
	 * count those (cg_map_update) */
	if (m->role != DESC_MAP_USER || !m->key_size || m->max_entries <= 1 ||
	    (m->bpf_type != BPF_MAP_TYPE_HASH && m->bpf_type != BPF_MAP_TYPE_PERCPU_HASH))
		return false;
	uint8_t *key = xmalloc(m->key_size);
	uint8_t *val = xcalloc(op->nvalues, out_value_stride(m) ? out_value_stride(m) : 8);
	memset(key, 0xfe, m->key_size);
	int err = bpf_map_update_elem(op->fd, key, val, BPF_NOEXIST);
	if (!err)
		bpf_map_delete_elem(op->fd, key);
	free(key);
	free(val);
	return err == -E2BIG;
}
