/* cg_map: BPF maps as BTF-defined globals in .maps, and their entries in the description. */
#include <string.h>

#include "codegen/cg_impl.h"

enum { BPF_HASH = 1, BPF_PERCPU_HASH = 5, BPF_PERCPU_ARRAY = 6, BPF_LRU_HASH = 9, BPF_LRU_PERCPU_HASH = 10,
       BPF_RINGBUF = 27 };

/* The ring buffer every event goes through: 4 MiB (a power of two pages). */
#define RINGBUF_BYTES (4u << 20)

/* Per-CPU value layouts of aggregations (the output module reads the same):
 * count/sum: u64/i64; min/max: {i64 value; u64 set}; avg/stats: {i64 total;
 * u64 count}; hist/lhist: u64 count per bucket, the bucket index appended to
 * the key; tseries: {i64 value; u64 meta; u64 epoch} per interval slot, the
 * slot (epoch % intervals) appended to the key. */
uint32_t cg_agg_value_size(const struct ty *v)
{
	switch (v->agg) {
	case TY_AGG_MIN: case TY_AGG_MAX: case TY_AGG_AVG: case TY_AGG_STATS:
		return 16;
	case TY_AGG_TSERIES:
		return 24;
	case TY_AGG_NONE: case TY_AGG_COUNT: case TY_AGG_SUM: case TY_AGG_HIST: case TY_AGG_LHIST:
		return 8;
	}
	return 8;
}

/* One more entry in desc.maps, served by the global g. */
static int map_push(struct cg *c, struct desc_map m, LLVMValueRef g)
{
	struct desc *d = c->desc;
	d->maps = arena_grow(c->a, d->maps, d->nmaps, &c->capmaps, sizeof(*d->maps));
	c->map_globals = arena_grow(c->a, c->map_globals, d->nmaps, &c->capglobals, sizeof(*c->map_globals));
	d->maps[d->nmaps] = m;
	c->map_globals[d->nmaps] = g;
	return (int)d->nmaps++;
}

int cg_map_add(struct cg *c, const char *name, const char *bpf_name, enum desc_map_role role,
	       uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries)
{
	/* The global now, so programs can refer to it; its BTF (which needs the
	 * final sizes: scratch grows while programs are built) at the end. */
	unsigned members = type == BPF_RINGBUF ? 2 : 4;
	LLVMTypeRef fields[4] = { c->ptr, c->ptr, c->ptr, c->ptr };
	LLVMTypeRef st = LLVMStructTypeInContext(c->ctx, fields, members, false);
	LLVMValueRef g = LLVMAddGlobal(c->mod, st, bpf_name);
	LLVMSetInitializer(g, LLVMConstNull(st));
	LLVMSetSection(g, ".maps");
	LLVMSetAlignment(g, 8);
	LLVMSetLinkage(g, LLVMExternalLinkage);
	return map_push(c, (struct desc_map){
		.name = name, .bpf_name = bpf_name, .role = role, .bpf_type = type,
		.key_size = key_size, .value_size = value_size, .max_entries = max_entries,
		.percpu = type == BPF_PERCPU_HASH || type == BPF_PERCPU_ARRAY || type == BPF_LRU_PERCPU_HASH,
	}, g);
}

/* The count of events the ring buffer had no room for, then the stop flag
 * the runtime sets when the run stops (cg_probe), then one word per map
 * before it (cg_map_update's refused-update flag): a global in .bss, which
 * libbpf turns into a one-entry array map. Bumping the count is one atomic
 * add, where a map lookup would add seven instructions to every printf. */
static int lost_counter(struct cg *c)
{
	unsigned words = 2 + c->desc->nmaps;
	LLVMTypeRef t = LLVMArrayType(c->i64, words);
	LLVMValueRef g = LLVMAddGlobal(c->mod, t, "hawk_lost");
	LLVMSetInitializer(g, LLVMConstNull(t));
	LLVMSetSection(g, ".bss");
	LLVMSetAlignment(g, 8);
	LLVMSetLinkage(g, LLVMExternalLinkage);
	LLVMMetadataRef lng = LLVMDIBuilderCreateBasicType(c->di, "long", 4, 64, 5, 0);
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(c->di, 0, words);
	LLVMMetadataRef arr = LLVMDIBuilderCreateArrayType(c->di, 64 * words, 64, lng, &sub, 1);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
		c->di, c->dicu, "hawk_lost", 9, "", 0, c->difile, 0, arr, false,
		LLVMDIBuilderCreateExpression(c->di, NULL, 0), NULL, 64);
	LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(c->ctx, "dbg", 3), gve);
	/* libbpf keeps ".bss" as the map's real name, so the runtime finds it by it. */
	return map_push(c, (struct desc_map){
		.name = "lost", .bpf_name = ".bss", .role = DESC_MAP_LOST, .bpf_type = 2 /* ARRAY */,
		.key_size = 4, .value_size = 8 * words, .max_entries = 1,
	}, g);
}

/* bpf_map_update_elem(map, key, val, 0) on a user map. Its result is not
 * looked at: a full map is found from user space (run.c, map_full), which
 * costs the probes nothing; a flag set here on -E2BIG cost six
 * instructions per update site (bench/run.sh's xlated figures). */
void cg_map_update(struct cg *c, int dm, LLVMValueRef key, LLVMValueRef val)
{
	LLVMValueRef args[4] = { cg_map_ptr(c, dm), key, val, cg_const(c, 0) };
	LLVMValueRef r = cg_helper(c, H_MAP_UPDATE, c->i64, args, 4);
	const struct desc_map *m = &c->desc->maps[dm];
	/* A keyed map of one entry (let @a = hash(1)) is at capacity with its
	 * one key, so the runtime cannot tell from the map whether an update
	 * was refused: these sites (only) flag a refusal (-E2BIG) in .bss. */
	if (m->role == DESC_MAP_USER && !m->scalar && m->max_entries == 1 && c->desc->lost_map >= 0) {
		LLVMValueRef full = LLVMBuildICmp(c->b, LLVMIntEQ, r, cg_const(c, (uint64_t)-7 /* -E2BIG */), "");
		LLVMValueRef at = cg_gep(c, cg_map_ptr(c, c->desc->lost_map), 16 + 8 * (uint32_t)dm);
		LLVMValueRef old = LLVMBuildLoad2(c->b, c->i64, at, "");
		LLVMBuildStore(c->b, LLVMBuildSelect(c->b, full, cg_const(c, 1), old, ""), at);
	}
}

/* The user maps (@name), the ring buffer and the lost-event counter. */
void cg_maps_user(struct cg *c)
{
	struct sema *s = c->s;
	c->user_map = arena_alloc(c->a, (s->nmaps + 1) * sizeof(int));
	for (unsigned i = 0; i < s->nmaps; i++) {
		struct sema_map *m = &s->maps[i];
		if (!m->value_known) {
			/* declared, never used (sema warned): no map */
			c->user_map[i] = -1;
			continue;
		}
		const struct ty *v = m->value;
		bool agg = v->kind == TY_AGG;
		bool buckets = agg && (v->agg == TY_AGG_HIST || v->agg == TY_AGG_LHIST || v->agg == TY_AGG_TSERIES);
		/* Keys: the user key (8 zero bytes for a scalar map), then for
		 * hist/lhist the bucket index at the next 8-byte boundary. */
		uint32_t ks = m->key ? (ty_size(m->key) + 7) & ~7u : (buckets ? 0 : 8);
		if (buckets)
			ks += 8;
		uint32_t vs = agg ? cg_agg_value_size(v) : ty_size(v);
		uint64_t keys = c->opts && c->opts->map_keys_max ? c->opts->map_keys_max : CG_MAP_KEYS_MAX;
		uint32_t max = m->key || buckets ? (keys > UINT32_MAX ? UINT32_MAX : (uint32_t)keys) : 1;
		const char *bpf_name = arena_printf(c->a, "AT_%s", m->name + 1);
		/* A scalar aggregation lives in a one-entry per-CPU array: the
		 * verifier inlines its lookup, and no first-update path is needed.
		 * A last u64 says the entry is present (set by every update, kept by
		 * zero(), cleared by clear() and delete()); the output module skips
		 * the entry while no CPU has it set, so an untouched map prints
		 * nothing, as a hash map with no entry would. */
		/* A scalar hist() too, one entry per log2 bucket (0 to 64), keyed
		 * by the bucket's u32 index: a per-CPU hash lookup was a third of
		 * what `@ = hist(x)` cost an event over its hand-written twin's
		 * (bench/README.md); its buckets' presence words keep an unused
		 * bucket out of the output as a missing hash key did. */
		bool hist_array = buckets && !m->key && v->agg == TY_AGG_HIST && !v->hist_bits && !m->decl_kind;
		bool array = (agg && !m->key && !buckets) || hist_array;
		if (hist_array)
			max = CG_HIST_BUCKETS;
		uint32_t type = array ? BPF_PERCPU_ARRAY : agg ? BPF_PERCPU_HASH : BPF_HASH;
		if (m->decl_kind && !array) {
			/* let @m = lruhash(N), percpulruhash(N), hash(N), percpuhash(N) */
			bool lru = m->decl_kind == 2 || m->decl_kind == 4;
			if (lru)
				type = agg ? BPF_LRU_PERCPU_HASH : BPF_LRU_HASH;
			max = m->decl_max;
		}
		if (array)
			vs += 8;
		int dm = cg_map_add(c, m->name, bpf_name, DESC_MAP_USER, type, array ? 4 : ks, vs ? vs : 8, max);
		c->desc->maps[dm].key = m->key;
		c->desc->maps[dm].value = v;
		c->desc->maps[dm].scalar = m->key == NULL;
		c->user_map[i] = dm;
	}
	c->desc->ringbuf_map = cg_map_add(c, "ringbuf", "hawk_events", DESC_MAP_RINGBUF, BPF_RINGBUF, 0, 0,
					  RINGBUF_BYTES);
	c->desc->lost_map = lost_counter(c);
}

/* `int (*name)[N]`: how a BTF map definition spells a number. */
static LLVMMetadataRef number_member(struct cg *c, const char *name, uint32_t n, uint64_t offset)
{
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(c->di, 0, n);
	LLVMMetadataRef arr = LLVMDIBuilderCreateArrayType(c->di, (uint64_t)n * 32, 32, c->di_int, &sub, 1);
	LLVMMetadataRef p = LLVMDIBuilderCreatePointerType(c->di, arr, 64, 64, 0, "", 0);
	return LLVMDIBuilderCreateMemberType(c->di, c->dicu, name, strlen(name), c->difile, 0, 64, 64,
					     offset, 0, p);
}

void cg_maps_emit(struct cg *c)
{
	struct desc *d = c->desc;
	if (c->scratch_map >= 0)
		d->maps[c->scratch_map].value_size = c->scratch_size ? c->scratch_size : 8;
	for (uint32_t i = 0; i < d->nmaps; i++) {
		struct desc_map *m = &d->maps[i];
		if ((int)i == d->lost_map)
			continue; /* a global, described where it was made */
		LLVMMetadataRef mem[4];
		unsigned n = 0;
		mem[n++] = number_member(c, "type", m->bpf_type, 0);
		if (m->bpf_type == BPF_RINGBUF) {
			mem[n++] = number_member(c, "max_entries", m->max_entries, 64);
		} else {
			mem[n++] = number_member(c, "key_size", m->key_size, 64);
			mem[n++] = number_member(c, "value_size", m->value_size, 128);
			mem[n++] = number_member(c, "max_entries", m->max_entries, 192);
		}
		LLVMMetadataRef st = LLVMDIBuilderCreateStructType(c->di, c->dicu, "", 0, c->difile, 0,
								   (uint64_t)n * 64, 64, 0, NULL, mem, n, 0,
								   NULL, "", 0);
		LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
			c->di, c->dicu, m->bpf_name, strlen(m->bpf_name), "", 0, c->difile, 0, st, false,
			LLVMDIBuilderCreateExpression(c->di, NULL, 0), NULL, 64);
		LLVMGlobalSetMetadata(c->map_globals[i], LLVMGetMDKindIDInContext(c->ctx, "dbg", 3), gve);
	}
}
