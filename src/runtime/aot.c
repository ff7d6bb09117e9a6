/* aot: the artifact's writer and reader (aot.h has the layout). */
#include "runtime/aot.h"
#include "runtime/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A field added to the desc or to a type must be written and read here, and
 * AOT_VERSION bumped: these sizes (x86-64) make the build say so. */
#if defined(__x86_64__)
_Static_assert(sizeof(struct desc) == 120 && sizeof(struct desc_param) == 16 && sizeof(struct desc_map) == 64 &&
	       sizeof(struct desc_event) == 120 && sizeof(struct desc_probe) == 136 &&
	       sizeof(struct desc_arg) == 16 && sizeof(struct span) == 28,
	       "struct desc changed: update runtime/aot.c and bump AOT_VERSION");
_Static_assert(sizeof(struct ty) == 128 && sizeof(struct ty_field) == 24 &&
	       sizeof(struct ty_enumerator) == 16,
	       "struct ty changed: update runtime/aot.c and bump AOT_VERSION");
#endif

/* ---- writing: a growing byte buffer ---- */

struct wbuf {
	uint8_t *p;
	size_t n, cap;
	const struct ty **tys;     /* the type table: index = position */
	size_t ntys, captys;
};

static void put(struct wbuf *w, const void *v, size_t n)
{
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->n + n)
			cap *= 2;
		uint8_t *p = realloc(w->p, cap);
		if (!p)
			abort();
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->n, v, n);
	w->n += n;
}

static void put_u8(struct wbuf *w, uint8_t v) { put(w, &v, 1); }
static void put_u32(struct wbuf *w, uint32_t v) { put(w, &v, 4); }
static void put_u64(struct wbuf *w, uint64_t v) { put(w, &v, 8); }

/* A string: its length plus one, then the bytes; 0 for NULL. */
static void put_str(struct wbuf *w, const char *s)
{
	if (!s) {
		put_u32(w, 0);
		return;
	}
	size_t n = strlen(s);
	put_u32(w, (uint32_t)n + 1);
	put(w, s, n);
}

static void put_blob(struct wbuf *w, const void *p, size_t n)
{
	put_u64(w, n);
	put(w, p, n);
}

static void put_span(struct wbuf *w, struct span s)
{
	put_u32(w, s.off);
	put_u32(w, s.end);
	put_u32(w, s.line);
	put_u32(w, s.col);
	put_u32(w, s.end_line);
	put_u32(w, s.end_col);
	put_u32(w, s.file);
}

/* Types form a graph (a BTF record may point to itself): each is listed once
 * and referred to by its index, UINT32_MAX for NULL. */
static uint32_t ty_index(struct wbuf *w, const struct ty *t)
{
	if (!t)
		return UINT32_MAX;
	for (size_t i = 0; i < w->ntys; i++)
		if (w->tys[i] == t)
			return (uint32_t)i;
	if (w->ntys == w->captys) {
		w->captys = w->captys ? w->captys * 2 : 64;
		w->tys = realloc(w->tys, w->captys * sizeof(*w->tys));
		if (!w->tys)
			abort();
	}
	w->tys[w->ntys] = t;
	uint32_t id = (uint32_t)w->ntys++;
	ty_index(w, t->elem);
	ty_index(w, t->agg_arg);
	if (t->kind == TY_RECORD || t->kind == TY_TUPLE)
		for (uint32_t i = 0; i < t->count; i++)
			ty_index(w, t->fields[i].type);
	return id;
}

static bool has_fields(const struct ty *t)
{
	return (t->kind == TY_RECORD || t->kind == TY_TUPLE) && t->fields;
}

static void put_ty(struct wbuf *w, const struct ty *t)
{
	put_u32(w, (uint32_t)t->kind);
	put_u32(w, t->size);
	put_u32(w, t->align);
	put_u8(w, (uint8_t)(t->is_signed | t->is_union << 1 | t->complete << 2 | t->ctx << 3 |
			    t->stack_user << 4 | t->whole << 5));
	put_u32(w, (uint32_t)t->as);
	put_str(w, t->name);
	put_u32(w, ty_index(w, t->elem));
	put_u32(w, t->count);
	put_u8(w, has_fields(t));
	if (has_fields(t))
		for (uint32_t i = 0; i < t->count; i++) {
			const struct ty_field *f = &t->fields[i];
			put_str(w, f->name);
			put_u32(w, f->offset);
			put_u32(w, f->bit_offset);
			put_u32(w, f->bits);
			put_u32(w, ty_index(w, f->type));
		}
	put_u32(w, t->btf_id);
	put_u32(w, (uint32_t)t->agg);
	put_u32(w, ty_index(w, t->agg_arg));
	put_u64(w, (uint64_t)t->lhist_min);
	put_u64(w, (uint64_t)t->lhist_max);
	put_u64(w, (uint64_t)t->lhist_step);
	put_u32(w, t->hist_bits);
	put_u8(w, t->stack_mode);
	put_u32(w, t->stack_limit);
	put_u32(w, t->nenums);
	for (uint32_t i = 0; i < t->nenums; i++) {
		put_str(w, t->enums[i].name);
		put_u64(w, (uint64_t)t->enums[i].value);
	}
}

static void put_desc(struct wbuf *w, const struct desc *d)
{
	put_u32(w, d->nmaps);
	for (uint32_t i = 0; i < d->nmaps; i++) {
		const struct desc_map *m = &d->maps[i];
		put_str(w, m->name);
		put_str(w, m->bpf_name);
		put_u32(w, (uint32_t)m->role);
		put_u32(w, m->bpf_type);
		put_u32(w, m->key_size);
		put_u32(w, m->value_size);
		put_u32(w, m->max_entries);
		put_u32(w, ty_index(w, m->key));
		put_u32(w, ty_index(w, m->value));
		put_u8(w, (uint8_t)(m->scalar | m->percpu << 1));
	}
	put_u32(w, d->nevents);
	for (uint32_t i = 0; i < d->nevents; i++) {
		const struct desc_event *e = &d->events[i];
		put_u32(w, (uint32_t)e->kind);
		put_str(w, e->fmt);
		put_u32(w, e->nargs);
		for (uint32_t k = 0; k < e->nargs; k++) {
			put_u32(w, ty_index(w, e->args[k].type));
			put_u32(w, e->args[k].offset);
		}
		put_u32(w, e->size);
		put_u32(w, (uint32_t)e->map);
		put_u64(w, e->top);
		put_u64(w, e->div);
		put_u32(w, e->line);
		put_u32(w, e->col);
		put_span(w, e->at);
		put_span(w, e->from);
	}
	put_u32(w, d->nprobes);
	for (uint32_t i = 0; i < d->nprobes; i++) {
		const struct desc_probe *p = &d->probes[i];
		put_u32(w, (uint32_t)p->type);
		put_str(w, p->name);
		put_str(w, p->prog_name);
		put_str(w, p->target);
		put_str(w, p->func);
		put_str(w, p->unit);
		put_str(w, p->mode);
		put_u8(w, (uint8_t)(p->deferred | p->multi_member << 1 | p->extra_site << 2 |
				    (unsigned)p->sysdisp << 3));
		put_u32(w, p->multi_n);
		put_u64(w, p->freq);
		put_u64(w, p->offset);
		put_u64(w, p->addr);
		put_u64(w, p->ref_ctr);
		put_span(w, p->at);
	}
	put_u32(w, d->nattach);
	put_u32(w, (uint32_t)d->ringbuf_map);
	put_u32(w, (uint32_t)d->lost_map);
	put_str(w, d->source_name);
	put_u32(w, d->nstrftime);
	for (uint32_t i = 0; i < d->nstrftime; i++)
		put_str(w, d->strftime_fmts[i]);
	put_u32(w, d->params_given);
	put_u32(w, d->nparams);
	for (uint32_t i = 0; i < d->nparams; i++) {
		put_str(w, d->params[i].text);
		put_u32(w, (uint32_t)d->params[i].use);
		put_u32(w, d->params[i].size);
	}
	put_blob(w, d->elf, d->elf_size);
}


int aot_write(const char *path, const struct desc *d, struct diag *dg, uint32_t ncpus,
	      const struct cfg *c, enum arch arch)
{
	struct wbuf body = { 0 }, w = { 0 };
	put_u32(&body, ncpus);
	/* the run's settings (runtime/settings.c's list) as the compile had them */
	put_u32(&body, (uint32_t)rt_nsettings_keys);
	for (size_t i = 0; i < rt_nsettings_keys; i++) {
		put_u32(&body, (uint32_t)rt_settings_keys[i]);
		put_u64(&body, c->v[rt_settings_keys[i]]);
		put_str(&body, c->s[rt_settings_keys[i]]);
	}
	uint16_t nsrc = 0;
	while (diag_source(dg, nsrc))
		nsrc++;
	put_u32(&body, nsrc);
	for (uint16_t i = 0; i < nsrc; i++) {
		const struct diag_source *s = diag_source(dg, i);
		put_str(&body, s->name);
		put_blob(&body, s->text ? s->text : "", s->text ? s->len : 0);
	}
	/* The type table first, so that the reader can resolve every index:
	 * list every type the desc refers to (a dry run into a scratch buffer),
	 * then write the table and the desc. */
	struct wbuf scratch = { 0 };
	put_desc(&scratch, d);
	for (size_t i = 0; i < scratch.ntys; i++)
		put_ty(&scratch, scratch.tys[i]);   /* may list more types (fields) */
	put_u32(&body, (uint32_t)scratch.ntys);
	body.tys = scratch.tys;
	body.ntys = scratch.ntys;
	body.captys = scratch.captys;
	for (size_t i = 0; i < scratch.ntys; i++)
		put_ty(&body, scratch.tys[i]);
	put_desc(&body, d);
	free(scratch.p);

	put(&w, AOT_MAGIC, 8);
	put_u32(&w, AOT_VERSION);
	put_u32(&w, (uint32_t)arch + 1);
	put_u64(&w, body.n);
	put_u32(&w, (uint32_t)crc32(0, body.p, (uInt)body.n));
	put_u32(&w, 0);
	put(&w, body.p, body.n);

	int ret = 0;
	FILE *f = fopen(path, "we");
	if (!f || fwrite(w.p, 1, w.n, f) != w.n) {
		diag_plain(dg, DIAG_ERROR, "cannot write %s: %s", path, strerror(errno));
		ret = -1;
	}
	if (f && fclose(f) && !ret) {
		diag_plain(dg, DIAG_ERROR, "cannot write %s: %s", path, strerror(errno));
		ret = -1;
	}
	free(body.p);
	free(body.tys);
	free(w.p);
	return ret;
}

/* ---- reading: every read checks the bounds; the first overrun marks the
 * payload corrupt (the crc makes that rare, but a crafted file must not crash) ---- */

struct rbuf {
	const uint8_t *p;
	size_t n, at;
	bool bad;
	struct arena *a;
	struct ty **tys;
	uint32_t ntys;
};

static bool get(struct rbuf *r, void *v, size_t n)
{
	if (r->bad || n > r->n - r->at) {
		r->bad = true;
		memset(v, 0, n);
		return false;
	}
	memcpy(v, r->p + r->at, n);
	r->at += n;
	return true;
}

static uint8_t get_u8(struct rbuf *r) { uint8_t v; get(r, &v, 1); return v; }
static uint32_t get_u32(struct rbuf *r) { uint32_t v; get(r, &v, 4); return v; }
static uint64_t get_u64(struct rbuf *r) { uint64_t v; get(r, &v, 8); return v; }

static const char *get_str(struct rbuf *r)
{
	uint32_t n = get_u32(r);
	if (!n || r->bad)
		return NULL;
	if (n - 1 > r->n - r->at) {
		r->bad = true;
		return NULL;
	}
	const char *s = arena_strndup(r->a, (const char *)r->p + r->at, n - 1);
	r->at += n - 1;
	return s;
}

static const void *get_blob(struct rbuf *r, size_t *len)
{
	uint64_t n = get_u64(r);
	if (r->bad || n > r->n - r->at) {
		r->bad = true;
		*len = 0;
		return NULL;
	}
	void *p = arena_alloc(r->a, n ? n : 1);
	memcpy(p, r->p + r->at, n);
	r->at += n;
	*len = n;
	return p;
}

static struct span get_span(struct rbuf *r)
{
	struct span s;
	s.off = get_u32(r);
	s.end = get_u32(r);
	s.line = get_u32(r);
	s.col = get_u32(r);
	s.end_line = get_u32(r);
	s.end_col = get_u32(r);
	s.file = (uint16_t)get_u32(r);
	return s;
}

static struct ty *get_tyref(struct rbuf *r)
{
	uint32_t i = get_u32(r);
	if (i == UINT32_MAX)
		return NULL;
	if (i >= r->ntys) {
		r->bad = true;
		return NULL;
	}
	return r->tys[i];
}

/* Counts read from the file bound allocations: no more elements than bytes left. */
static bool count_ok(struct rbuf *r, uint32_t n)
{
	if (r->bad || n > r->n - r->at)
		r->bad = true;
	return !r->bad;
}

static void get_ty(struct rbuf *r, struct ty *t)
{
	t->kind = (enum ty_kind)get_u32(r);
	if (t->kind >= TY__COUNT)
		r->bad = true;
	t->size = get_u32(r);
	t->align = get_u32(r);
	uint8_t fl = get_u8(r);
	t->is_signed = fl & 1;
	t->is_union = fl & 2;
	t->complete = fl & 4;
	t->ctx = fl & 8;
	t->stack_user = fl & 16;
	t->whole = fl & 32;
	t->as = (enum ty_addrspace)get_u32(r);
	t->name = get_str(r);
	t->elem = get_tyref(r);
	t->count = get_u32(r);
	if (get_u8(r) && count_ok(r, t->count)) {
		t->fields = arena_alloc(r->a, (t->count ? t->count : 1) * sizeof(*t->fields));
		for (uint32_t i = 0; i < t->count && !r->bad; i++) {
			struct ty_field *f = &t->fields[i];
			f->name = get_str(r);
			f->offset = get_u32(r);
			f->bit_offset = (uint16_t)get_u32(r);
			f->bits = (uint16_t)get_u32(r);
			f->type = get_tyref(r);
		}
	}
	t->btf_id = get_u32(r);
	t->agg = (enum ty_agg)get_u32(r);
	t->agg_arg = get_tyref(r);
	t->lhist_min = (int64_t)get_u64(r);
	t->lhist_max = (int64_t)get_u64(r);
	t->lhist_step = (int64_t)get_u64(r);
	t->hist_bits = get_u32(r);
	t->stack_mode = get_u8(r);
	t->stack_limit = get_u32(r);
	t->nenums = get_u32(r);
	if (t->nenums && count_ok(r, t->nenums)) {
		struct ty_enumerator *e = arena_alloc(r->a, t->nenums * sizeof(*e));
		for (uint32_t i = 0; i < t->nenums && !r->bad; i++) {
			e[i].name = get_str(r);
			e[i].value = (int64_t)get_u64(r);
		}
		t->enums = e;
	}
}

static struct desc *get_desc(struct rbuf *r)
{
	struct desc *d = arena_alloc(r->a, sizeof(*d));
	d->arena = r->a;
	d->nmaps = get_u32(r);
	if (!count_ok(r, d->nmaps))
		return NULL;
	d->maps = arena_alloc(r->a, (d->nmaps + 1) * sizeof(*d->maps));
	for (uint32_t i = 0; i < d->nmaps && !r->bad; i++) {
		struct desc_map *m = &d->maps[i];
		m->name = get_str(r);
		m->bpf_name = get_str(r);
		m->role = (enum desc_map_role)get_u32(r);
		m->bpf_type = get_u32(r);
		m->key_size = get_u32(r);
		m->value_size = get_u32(r);
		m->max_entries = get_u32(r);
		m->key = get_tyref(r);
		m->value = get_tyref(r);
		uint8_t fl = get_u8(r);
		m->scalar = fl & 1;
		m->percpu = fl & 2;
		if (!m->name || !m->bpf_name)
			r->bad = true;
	}
	d->nevents = get_u32(r);
	if (!count_ok(r, d->nevents))
		return NULL;
	d->events = arena_alloc(r->a, (d->nevents + 1) * sizeof(*d->events));
	for (uint32_t i = 0; i < d->nevents && !r->bad; i++) {
		struct desc_event *e = &d->events[i];
		e->kind = (enum desc_event_kind)get_u32(r);
		e->fmt = get_str(r);
		e->nargs = get_u32(r);
		if (!count_ok(r, e->nargs))
			return NULL;
		e->args = arena_alloc(r->a, (e->nargs + 1) * sizeof(*e->args));
		for (uint32_t k = 0; k < e->nargs && !r->bad; k++) {
			e->args[k].type = get_tyref(r);
			e->args[k].offset = get_u32(r);
			if (!e->args[k].type)
				r->bad = true;
		}
		e->size = get_u32(r);
		e->map = (int)get_u32(r);
		if (e->map >= (int)d->nmaps)
			r->bad = true;
		e->top = get_u64(r);
		e->div = get_u64(r);
		e->line = get_u32(r);
		e->col = get_u32(r);
		e->at = get_span(r);
		e->from = get_span(r);
	}
	d->nprobes = get_u32(r);
	if (!count_ok(r, d->nprobes))
		return NULL;
	d->probes = arena_alloc(r->a, (d->nprobes + 1) * sizeof(*d->probes));
	for (uint32_t i = 0; i < d->nprobes && !r->bad; i++) {
		struct desc_probe *p = &d->probes[i];
		p->type = (enum probe_type)get_u32(r);
		p->name = get_str(r);
		p->prog_name = get_str(r);
		p->target = get_str(r);
		p->func = get_str(r);
		p->unit = get_str(r);
		p->mode = get_str(r);
		uint8_t fl = get_u8(r);
		p->deferred = fl & 1;
		p->multi_member = fl & 2;
		p->extra_site = fl & 4;
		p->sysdisp = (enum desc_sysdisp)((fl >> 3) & 3);
		if (p->sysdisp > DESC_SYSDISP_MEMBER)
			r->bad = true;
		p->multi_n = get_u32(r);
		p->freq = get_u64(r);
		p->offset = get_u64(r);
		p->addr = get_u64(r);
		p->ref_ctr = get_u64(r);
		p->at = get_span(r);
		if (!p->name || !p->prog_name || p->type >= PROBE__COUNT)
			r->bad = true;
	}
	d->nattach = get_u32(r);
	d->ringbuf_map = (int)get_u32(r);
	d->lost_map = (int)get_u32(r);
	if (d->ringbuf_map >= (int)d->nmaps || d->lost_map >= (int)d->nmaps)
		r->bad = true;
	d->source_name = get_str(r);
	d->nstrftime = get_u32(r);
	if (!count_ok(r, d->nstrftime))
		return NULL;
	d->strftime_fmts = arena_alloc(r->a, (d->nstrftime + 1) * sizeof(*d->strftime_fmts));
	for (uint32_t i = 0; i < d->nstrftime && !r->bad; i++)
		d->strftime_fmts[i] = get_str(r);
	d->params_given = get_u32(r);
	d->nparams = get_u32(r);
	if (!count_ok(r, d->nparams))
		return NULL;
	d->params = arena_alloc(r->a, (d->nparams + 1) * sizeof(*d->params));
	for (uint32_t i = 0; i < d->nparams && !r->bad; i++) {
		struct desc_param *p = &d->params[i];
		p->text = get_str(r);
		p->use = (enum desc_param_use)get_u32(r);
		p->size = get_u32(r);
		if (p->use > DESC_PARAM_FIXED || p->size > 4096)
			r->bad = true;
	}
	d->elf = get_blob(r, &d->elf_size);
	if (r->at != r->n)
		r->bad = true;
	return r->bad ? NULL : d;
}

static uint8_t *read_file(const char *path, size_t *len, struct diag *dg)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		diag_plain(dg, DIAG_ERROR, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *p = malloc(cap);
	for (;;) {
		if (!p)
			abort();
		n += fread(p + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		p = realloc(p, cap);
	}
	if (ferror(f)) {
		diag_plain(dg, DIAG_ERROR, "cannot read %s: %s", path, strerror(errno));
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = n;
	return p;
}

struct desc *aot_read(const char *path, struct arena *a, struct diag *dg, uint32_t *ncpus,
		      struct cfg *c)
{
	size_t n;
	uint8_t *p = read_file(path, &n, dg);
	if (!p)
		return NULL;
	struct desc *d = NULL;
	uint32_t version, crc;
	uint64_t size;
	if (n < 8 || memcmp(p, AOT_MAGIC, 8)) {
		diag_plain(dg, DIAG_ERROR, "%s: not a hawk artifact (no magic; make one with "
			   "hawk --aot FILE)", path);
		goto out;
	}
	if (n < AOT_HEADER_SIZE) {
		diag_plain(dg, DIAG_ERROR, "%s: truncated hawk artifact (%zu bytes, the header alone "
			   "is %u)", path, n, AOT_HEADER_SIZE);
		goto out;
	}
	memcpy(&version, p + 8, 4);
	memcpy(&size, p + 16, 8);
	memcpy(&crc, p + 24, 4);
	if (version != AOT_VERSION) {
		diag_plain(dg, DIAG_ERROR, "%s: hawk artifact format version %u, this runtime reads "
			   "version %u: compile the script again with this hawk's --aot", path, version,
			   AOT_VERSION);
		goto out;
	}
	uint32_t arch;
	memcpy(&arch, p + 12, 4);
	arch = arch ? arch - 1 : ARCH_X86_64;
	if (arch >= ARCH__COUNT || arch != (uint32_t)arch_host()) {
		diag_plain(dg, DIAG_ERROR, "%s: a hawk artifact for %s, and this machine is %s: "
			   "compile it with --target-arch %s", path,
			   arch < ARCH__COUNT ? arch_info((enum arch)arch)->name : "another machine",
			   arch_info(arch_host())->name, arch_info(arch_host())->name);
		goto out;
	}
	if (size != n - AOT_HEADER_SIZE) {
		diag_plain(dg, DIAG_ERROR, "%s: %s hawk artifact (%zu bytes of payload, the header "
			   "says %llu)", path, size > n - AOT_HEADER_SIZE ? "truncated" : "corrupt",
			   n - AOT_HEADER_SIZE, (unsigned long long)size);
		goto out;
	}
	if ((uint32_t)crc32(0, p + AOT_HEADER_SIZE, (uInt)size) != crc) {
		diag_plain(dg, DIAG_ERROR, "%s: corrupt hawk artifact (checksum mismatch)", path);
		goto out;
	}
	struct rbuf r = { .p = p + AOT_HEADER_SIZE, .n = (size_t)size, .a = a };
	*ncpus = get_u32(&r);
	uint32_t nkeys = get_u32(&r);
	for (uint32_t i = 0; i < nkeys && count_ok(&r, nkeys); i++) {
		uint32_t k = get_u32(&r);
		uint64_t v = get_u64(&r);
		const char *str = get_str(&r);
		if (k >= CFG__COUNT)
			r.bad = true;
		else if (!r.bad && !c->from_env[k]) {
			c->v[k] = v;
			c->s[k] = str;
		}
	}
	uint32_t nsrc = get_u32(&r);
	for (uint32_t i = 0; i < nsrc && count_ok(&r, nsrc); i++) {
		const char *name = get_str(&r);
		size_t len;
		const char *text = get_blob(&r, &len);
		if (!r.bad)
			diag_source_add(dg, name ? name : "stdin", text, len);
	}
	r.ntys = get_u32(&r);
	if (count_ok(&r, r.ntys)) {
		r.tys = arena_alloc(a, (r.ntys + 1) * sizeof(*r.tys));
		for (uint32_t i = 0; i < r.ntys; i++)
			r.tys[i] = arena_alloc(a, sizeof(struct ty));
		for (uint32_t i = 0; i < r.ntys && !r.bad; i++)
			get_ty(&r, r.tys[i]);
	}
	if (!r.bad)
		d = get_desc(&r);
	if (!d)
		diag_plain(dg, DIAG_ERROR, "%s: corrupt hawk artifact (the description does not parse)",
			   path);
out:
	free(p);
	return d;
}
