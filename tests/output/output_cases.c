/* output_cases: the output layer against bpftrace's output, as TAP; records and maps are laid out in memory as the BPF side would. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/arena.h"
#include "common/types.h"
#include "common/desc.h"
#include "output/output.h"

/* Where the expected strings come from, in order of preference:
 *   [ref]  /work/shared/reference/bpftrace-behaviour.md (captured output,
 *          2.1 converted to upstream HEAD by its own 2.8 checklist)
 *   [up]   upstream bpftrace's tests: the files in tests/runtime/outputs,
 *          tests/runtime/json-output, tests/output.cpp (JSON there is
 *          compared as JSON, so the spacing here is HEAD's json.cpp:
 *          ", " in objects, "," in arrays)
 *   [src]  upstream HEAD source, where no captured output exists: named
 *          at the case
 * None comes from running this module. */

static struct arena *A;
static int ntests, nfailed;

static void show(const char *tag, const char *s)
{
	printf("#   %s: \"", tag);
	for (const char *p = s; *p; p++) {
		if (*p == '\n')
			printf("\\n\"\n#         \"");
		else if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else
			putchar(*p);
	}
	printf("\"\n");
}

static void check(const char *name, const char *got, const char *want)
{
	ntests++;
	if (got && strcmp(got, want) == 0) {
		printf("ok %d - %s\n", ntests, name);
		return;
	}
	nfailed++;
	printf("not ok %d - %s\n", ntests, name);
	show("want", want);
	show("got ", got ? got : "(null)");
}

/* check() and free what the code under test returned */
static void check_free(const char *name, char *got, const char *want)
{
	check(name, got, want);
	free(got);
}

static void check_int(const char *name, long long got, long long want)
{
	char g[32], w[32];
	snprintf(g, sizeof(g), "%lld", got);
	snprintf(w, sizeof(w), "%lld", want);
	check(name, g, w);
}

/* ---- capturing a sink's streams ------------------------------------------ */

struct cap {
	FILE *out, *err;
	char *obuf, *ebuf;
	size_t olen, elen;
	struct out_sink *s;
};

static struct out_sink *cap_new(struct cap *c, enum out_mode mode)
{
	*c = (struct cap){ 0 };
	c->out = open_memstream(&c->obuf, &c->olen);
	c->err = open_memstream(&c->ebuf, &c->elen);
	c->s = out_sink_new(c->out, c->err, mode);
	return c->s;
}

/* Ends the capture; returns stdout (or stderr) as a malloc'd string. */
static char *cap_take(struct cap *c, bool want_err)
{
	out_sink_free(c->s);
	fclose(c->out);
	fclose(c->err);
	char *r = want_err ? c->ebuf : c->obuf;
	free(want_err ? c->obuf : c->ebuf);
	return r;
}

/* ---- types ------------------------------------------------------------------ */

#define I64 ty_int(8, true)
#define U64 ty_int(8, false)

static const struct ty *str_t(uint32_t cap)
{
	return ty_string(A, cap);
}

static const struct ty *tuple(int n, ...)
{
	const struct ty *el[8];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		el[i] = va_arg(ap, const struct ty *);
	va_end(ap);
	return ty_tuple(A, el, (uint32_t)n);
}

static const struct ty *agg(enum ty_agg k, const struct ty *arg)
{
	return ty_agg(A, k, arg);
}

static const struct ty *hist_t(uint32_t bits)
{
	struct ty *t = ty_agg(A, TY_AGG_HIST, I64);
	t->hist_bits = bits;
	return t;
}

static const struct ty *lhist_t(int64_t min, int64_t max, int64_t step)
{
	struct ty *t = ty_agg(A, TY_AGG_LHIST, I64);
	t->lhist_min = min;
	t->lhist_max = max;
	t->lhist_step = step;
	return t;
}

/* A record type with named fields, laid out like ty_tuple. */
static const struct ty *record(int n, ...)
{
	const struct ty *el[8];
	const char *names[8];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		names[i] = va_arg(ap, const char *);
		el[i] = va_arg(ap, const struct ty *);
	}
	va_end(ap);
	struct ty *t = ty_tuple(A, el, (uint32_t)n);
	t->kind = TY_RECORD;
	for (int i = 0; i < n; i++)
		t->fields[i].name = names[i];
	return t;
}

/* ---- values in memory ---------------------------------------------------------- */

/* A value blob built field by field at the offsets its type gives. */
struct blob {
	uint8_t b[256];
};

static void put(struct blob *v, uint32_t off, const void *p, size_t n)
{
	memcpy(v->b + off, p, n);
}

static void put_i64(struct blob *v, uint32_t off, int64_t x)
{
	put(v, off, &x, 8);
}

static void put_str(struct blob *v, uint32_t off, const char *s)
{
	put(v, off, s, strlen(s) + 1);
}

/* A ring-buffer record: the header, then each argument aligned. */
struct rec {
	uint8_t b[1024];
	uint32_t off;
	struct desc_arg args[16];
	uint32_t n;
};

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->off = sizeof(struct desc_event_hdr);
}

static void rec_add(struct rec *r, const struct ty *t, const void *bytes)
{
	uint32_t al = t->align ? t->align : 1;
	r->off = (r->off + al - 1) / al * al;
	memcpy(r->b + r->off, bytes, ty_size(t));
	r->args[r->n++] = (struct desc_arg){ .type = t, .offset = r->off };
	r->off += ty_size(t);
}

static void rec_i64(struct rec *r, int64_t v)
{
	rec_add(r, I64, &v);
}

static void rec_int(struct rec *r, const struct ty *t, uint64_t v)
{
	rec_add(r, t, &v);    /* little endian: the low bytes */
}

static void rec_str(struct rec *r, const char *s)
{
	rec_add(r, str_t((uint32_t)strlen(s) + 1), s);
}

static void rec_buf(struct rec *r, const void *data, uint32_t len)
{
	struct ty *t = ty_new(A, TY_BUFFER);
	t->size = 4 + len;
	uint8_t tmp[256];
	memcpy(tmp, &len, 4);
	memcpy(tmp + 4, data, len);
	rec_add(r, t, tmp);
}

static char *run_printf(enum out_mode mode, const char *fmt, struct rec *r)
{
	struct cap c;
	struct desc_event ev = { .kind = DESC_EV_PRINTF, .fmt = fmt, .args = r->args,
				 .nargs = r->n };
	out_printf(cap_new(&c, mode), &ev, r->b);
	return cap_take(&c, false);
}

static char *run_value(enum out_mode mode, const struct ty *t, const void *v)
{
	struct cap c;
	out_value(cap_new(&c, mode), t, v);
	return cap_take(&c, false);
}

/* ---- maps ---------------------------------------------------------------- */

#define NCPU 2          /* per-CPU maps in these cases have two CPUs */
#define MAXENT 64
#define VALMAX (NCPU * 32)

/* A map as codegen describes it, and its entries as the loader would read
 * them: aggregations per CPU, keys zero-padded to 8 bytes (a scalar's a u64
 * 0), hist keys followed by the bucket index. */
struct tmap {
	struct desc_map m;
	uint32_t nv;
	size_t n;
	uint8_t keys[MAXENT][128];
	uint8_t vals[MAXENT][VALMAX];
};

static bool is_hist(const struct ty *v)
{
	return v->kind == TY_AGG && (v->agg == TY_AGG_HIST || v->agg == TY_AGG_LHIST);
}

static struct tmap *tmap_new(const char *name, const struct ty *key, const struct ty *val)
{
	struct tmap *t = calloc(1, sizeof(*t));
	t->m.name = name;
	t->m.role = DESC_MAP_USER;
	t->m.key = key;
	t->m.value = val;
	t->m.scalar = !key;
	t->m.percpu = val->kind == TY_AGG;
	/* as codegen: keys zero-padded to 8 bytes; a scalar hist's key is the index alone */
	t->m.key_size = key ? (ty_size(key) + 7) / 8 * 8 : is_hist(val) ? 0 : 8;
	if (is_hist(val))
		t->m.key_size += 8;
	t->m.value_size = ty_size(val);
	t->nv = t->m.percpu ? NCPU : 1;
	return t;
}

/* Reads the map: what the loader does with bpf_map_get_next_key/lookup. */
static struct out_snapshot *tmap_read(struct tmap *t, struct out_snapshot *snap)
{
	if (!snap)
		snap = out_snapshot_new(&t->m, t->nv);
	for (size_t i = 0; i < t->n; i++)
		out_snapshot_add(snap, t->keys[i], t->vals[i]);
	return snap;
}

/* key: the user key's bytes (NULL for a scalar map); vals: per-CPU blobs */
static void add_raw(struct tmap *t, const void *key, uint64_t bucket, const uint8_t *vals)
{
	uint32_t uk = t->m.key_size - (is_hist(t->m.value) ? 8 : 0);
	uint8_t *k = t->keys[t->n];
	memset(k, 0, sizeof(t->keys[0]));
	if (key)
		memcpy(k, key, ty_size(t->m.key));
	if (is_hist(t->m.value))
		memcpy(k + uk, &bucket, 8);
	memcpy(t->vals[t->n], vals, VALMAX);
	t->n++;
}

/* A plain (not per-CPU) value. */
static void add_value(struct tmap *t, const void *key, const void *val)
{
	uint8_t vals[VALMAX] = { 0 };
	memcpy(vals, val, t->m.value_size);
	add_raw(t, key, 0, vals);
}

static void add_int(struct tmap *t, const void *key, int64_t v)
{
	add_value(t, key, &v);
}

/* Two u64 words on one CPU; the other CPU stays zero (unset). */
static void add_words(struct tmap *t, const void *key, uint32_t cpu, uint64_t w0, uint64_t w1)
{
	uint8_t vals[VALMAX] = { 0 };
	uint32_t stride = out_value_stride(&t->m);
	memcpy(vals + cpu * stride, &w0, 8);
	memcpy(vals + cpu * stride + 8, &w1, 8);
	add_raw(t, key, 0, vals);
}

/* count/sum split over both CPUs, so that printing must add them up */
static void add_total(struct tmap *t, const void *key, int64_t v)
{
	uint8_t vals[VALMAX] = { 0 };
	uint32_t stride = out_value_stride(&t->m);
	int64_t a = v / 2, b = v - a;
	memcpy(vals, &a, 8);
	memcpy(vals + stride, &b, 8);
	add_raw(t, key, 0, vals);
}

/* min/max: CPU 0 has the value; CPU 1 holds a better one that is not set */
static void add_minmax(struct tmap *t, const void *key, int64_t v)
{
	uint8_t vals[VALMAX] = { 0 };
	uint32_t stride = out_value_stride(&t->m);
	uint64_t one = 1;
	int64_t junk = t->m.value->agg == TY_AGG_MAX ? INT64_MAX : INT64_MIN;
	memcpy(vals, &v, 8);
	memcpy(vals + 8, &one, 8);
	memcpy(vals + stride, &junk, 8);
	add_raw(t, key, 0, vals);
}

/* avg/stats: {total, count} split over both CPUs */
static void add_avg(struct tmap *t, const void *key, int64_t total, uint64_t count)
{
	uint8_t vals[VALMAX] = { 0 };
	uint32_t stride = out_value_stride(&t->m);
	int64_t t0 = total / 2, t1 = total - t0;
	uint64_t c0 = count / 2, c1 = count - c0;
	memcpy(vals, &t0, 8);
	memcpy(vals + 8, &c0, 8);
	memcpy(vals + stride, &t1, 8);
	memcpy(vals + stride + 8, &c1, 8);
	add_raw(t, key, 0, vals);
}

static void add_bucket(struct tmap *t, const void *key, uint64_t bucket, uint64_t count)
{
	uint8_t vals[VALMAX] = { 0 };
	uint32_t stride = out_value_stride(&t->m);
	uint64_t a = count / 2, b = count - a;
	memcpy(vals, &a, 8);
	memcpy(vals + stride, &b, 8);
	add_raw(t, key, bucket, vals);
}

/* hist(v)/lhist(v) as the BPF side counts them: one bucket += 1 each */
static void add_hist(struct tmap *t, const void *key, const int64_t *v, size_t n)
{
	const struct ty *vt = t->m.value;
	static uint64_t counts[4096];
	memset(counts, 0, sizeof(counts));
	for (size_t i = 0; i < n; i++) {
		uint64_t b = vt->agg == TY_AGG_HIST ? out_hist_bucket(v[i], vt->hist_bits) :
			     out_lhist_bucket(v[i], vt->lhist_min, vt->lhist_max, vt->lhist_step);
		counts[b]++;
	}
	for (uint64_t b = 0; b < 4096; b++)
		if (counts[b])
			add_bucket(t, key, b, counts[b]);
}

static char *run_print(enum out_mode mode, struct tmap *t, uint64_t top, uint64_t div)
{
	struct cap c;
	struct out_snapshot *snap = tmap_read(t, NULL);
	out_map_print(cap_new(&c, mode), &t->m, snap, top, div);
	out_snapshot_free(snap);
	return cap_take(&c, false);
}

/* print(@m) in text and JSON. */
static void check_map(const char *name, struct tmap *t, const char *text, const char *json)
{
	char n[200];
	if (text) {
		snprintf(n, sizeof(n), "%s (text)", name);
		check_free(n, run_print(OUT_TEXT, t, 0, 0), text);
	}
	if (json) {
		snprintf(n, sizeof(n), "%s (json)", name);
		check_free(n, run_print(OUT_JSON, t, 0, 0), json);
	}
}

/* ---- exit dump ----------------------------------------------------------- */

struct exitsrc {
	struct tmap **maps;
	size_t n;
};

static int read_map(void *ctx, const struct desc_map *m, struct out_snapshot *snap)
{
	struct exitsrc *src = ctx;
	for (size_t i = 0; i < src->n; i++)
		if (!strcmp(src->maps[i]->m.name, m->name)) {
			tmap_read(src->maps[i], snap);
			return 0;
		}
	return -1;
}

static char *run_exit(enum out_mode mode, struct tmap **maps, size_t n)
{
	struct desc_map dm[16];
	for (size_t i = 0; i < n; i++)
		dm[i] = maps[i]->m;
	dm[n] = (struct desc_map){ .name = "ringbuf", .role = DESC_MAP_RINGBUF };
	struct desc d = { .maps = dm, .nmaps = (uint32_t)n + 1 };
	struct exitsrc src = { maps, n };
	struct cap c;
	struct out_sink *s = cap_new(&c, mode);
	out_end(s);
	out_maps_at_exit(s, &d, NCPU, read_map, &src);
	return cap_take(&c, false);
}

static void free_maps(struct tmap **maps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(maps[i]);
}

#define B52 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
#define B26 "@@@@@@@@@@@@@@@@@@@@@@@@@@                          "
#define B00 "                                                    "
_Static_assert(sizeof(B52) == 53 && sizeof(B26) == 53 && sizeof(B00) == 53, "bar width");

/* ---- the reference capture --------------------------------------------------- */

/* BEGIN { @h = hist(5); @h = hist(1000); @l = lhist(3,0,10,1); @s = stats(4);
 *         @a = avg(3); @c["x"] = count(); exit(); }  [ref 2.1, in its HEAD form] */
static void case_capture(void)
{
	struct tmap *maps[6];
	/* declared out of name order: the dump sorts them */
	maps[0] = tmap_new("@s", NULL, agg(TY_AGG_STATS, I64));
	maps[1] = tmap_new("@h", NULL, hist_t(0));
	maps[2] = tmap_new("@c", str_t(2), agg(TY_AGG_COUNT, NULL));
	maps[3] = tmap_new("@l", NULL, lhist_t(0, 10, 1));
	maps[4] = tmap_new("@a", NULL, agg(TY_AGG_AVG, I64));
	maps[5] = tmap_new("@empty", I64, agg(TY_AGG_COUNT, NULL));   /* skipped */
	add_words(maps[0], NULL, 1, 4, 1);
	add_hist(maps[1], NULL, (int64_t[]){ 5, 1000 }, 2);
	add_total(maps[2], "x", 1);
	add_hist(maps[3], NULL, (int64_t[]){ 3 }, 1);
	add_avg(maps[4], NULL, 3, 1);

	check_free("2.1 capture at exit (text)", run_exit(OUT_TEXT, maps, 6),
		"\n"
		"\n"
		"@a: 3\n"
		"@c[x]: 1\n"
		"@h:\n"
		"[4, 8)                 1 |" B52 "|\n"
		"[8, 16)                0 |" B00 "|\n"
		"[16, 32)               0 |" B00 "|\n"
		"[32, 64)               0 |" B00 "|\n"
		"[64, 128)              0 |" B00 "|\n"
		"[128, 256)             0 |" B00 "|\n"
		"[256, 512)             0 |" B00 "|\n"
		"[512, 1K)              1 |" B52 "|\n"
		"\n"
		"@l:\n"
		"[3]                    1 |" B52 "|\n"
		"\n"
		"@s: { .count = 1, .average = 4, .total = 4 }\n");

	/* [ref 2.7] with HEAD's changes: no empty lines (2.8 item 17), arrays
	 * unspaced (json.cpp) */
	check_free("2.7 capture at exit (json)", run_exit(OUT_JSON, maps, 6),
		"{\"type\": \"stats\", \"data\": {\"@a\": 3}}\n"
		"{\"type\": \"map\", \"data\": {\"@c\": {\"x\": 1}}}\n"
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 4, \"max\": 7, \"count\": 1},"
		"{\"min\": 8, \"max\": 15, \"count\": 0},{\"min\": 16, \"max\": 31, \"count\": 0},"
		"{\"min\": 32, \"max\": 63, \"count\": 0},{\"min\": 64, \"max\": 127, \"count\": 0},"
		"{\"min\": 128, \"max\": 255, \"count\": 0},{\"min\": 256, \"max\": 511, \"count\": 0},"
		"{\"min\": 512, \"max\": 1023, \"count\": 1}]}}\n"
		"{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 3, \"max\": 3, \"count\": 1}]}}\n"
		"{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 1, \"average\": 4, \"total\": 4}}}\n");
	free_maps(maps, 6);

	/* multiple_maps.ndjson [up]: one object per map, name order */
	maps[0] = tmap_new("@map2", str_t(5), I64);
	maps[1] = tmap_new("@map1", str_t(5), I64);
	add_int(maps[0], "key2", 3);
	add_int(maps[1], "key1", 2);
	check_free("multiple maps at exit (json)", run_exit(OUT_JSON, maps, 2),
		"{\"type\": \"map\", \"data\": {\"@map1\": {\"key1\": 2}}}\n"
		"{\"type\": \"map\", \"data\": {\"@map2\": {\"key2\": 3}}}\n");
	/* byte order: "@M" before "@a" [ref 2.4] */
	maps[0]->m.name = "@a";
	maps[1]->m.name = "@M";
	check_free("maps sorted by name, byte order (text)", run_exit(OUT_TEXT, maps, 2),
		"\n\n@M[key1]: 2\n@a[key2]: 3\n");
	free_maps(maps, 2);
}

/* ---- histograms --------------------------------------------------------------- */

static void case_hist(void)
{
	struct tmap *t;

	/* begin { @=hist(-1); @=hist(2); @=hist(3); @=hist(7); @=hist(20); } [up hist.txt] */
	t = tmap_new("@", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ -1, 2, 3, 7, 20 }, 5);
	check_map("hist: negative, gaps", t,
		"@:\n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[0]                    0 |                                                    |\n"
		"[1]                    0 |                                                    |\n"
		"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n", NULL);
	free(t);

	/* begin { @=hist(3); @=hist(20); } [up hist_2_values.txt] */
	t = tmap_new("@", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ 3, 20 }, 2);
	check_map("hist: two values", t,
		"@:\n"
		"[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4, 8)                 0 |                                                    |\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n", NULL);
	free(t);

	/* @hist = hist(2); @hist = hist(1025); [up hist.json] */
	t = tmap_new("@hist", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ 2, 1025 }, 2);
	check_map("hist: 2 and 1025", t, NULL,
		"{\"type\": \"hist\", \"data\": {\"@hist\": [{\"min\": 2, \"max\": 3, \"count\": 1},"
		"{\"min\": 4, \"max\": 7, \"count\": 0},{\"min\": 8, \"max\": 15, \"count\": 0},"
		"{\"min\": 16, \"max\": 31, \"count\": 0},{\"min\": 32, \"max\": 63, \"count\": 0},"
		"{\"min\": 64, \"max\": 127, \"count\": 0},{\"min\": 128, \"max\": 255, \"count\": 0},"
		"{\"min\": 256, \"max\": 511, \"count\": 0},{\"min\": 512, \"max\": 1023, \"count\": 0},"
		"{\"min\": 1024, \"max\": 2047, \"count\": 1}]}}\n");
	free(t);

	/* @hist = hist(2); zero(@hist); [up hist_zero.json]; text: the header and
	 * the closing empty line (text.cpp) */
	t = tmap_new("@hist", NULL, hist_t(0));
	add_bucket(t, NULL, out_hist_bucket(2, 0), 0);
	check_map("hist: zeroed", t, "@hist:\n\n",
		  "{\"type\": \"hist\", \"data\": {\"@hist\": []}}\n");
	free(t);

	/* single values and K/M/G/E labels [ref 2.2: "[0]", "[1]", "[512K, 1M)",
	 * "[1M, 2M)", "[1G, 2G)", HEAD adds P E] */
	t = tmap_new("@", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ 0, 1 }, 2);
	check_map("hist: [0] [1]", t,
		"@:\n"
		"[0]                    1 |" B52 "|\n"
		"[1]                    1 |" B52 "|\n"
		"\n", NULL);
	free(t);
	t = tmap_new("@", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ 1000000, 1500000, 1048576 }, 3);
	check_map("hist: K and M", t,
		"@:\n"
		"[512K, 1M)             1 |" B26 "|\n"
		"[1M, 2M)               2 |" B52 "|\n"
		"\n", NULL);
	free(t);
	t = tmap_new("@", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ 1500000000 }, 1);
	check_map("hist: G", t, "@:\n[1G, 2G)               1 |" B52 "|\n\n", NULL);
	free(t);
	t = tmap_new("@", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ INT64_C(1) << 62 }, 1);
	check_map("hist: E", t, "@:\n[4E, 8E)               1 |" B52 "|\n\n", NULL);
	free(t);
	/* [up hist_10g.json] */
	t = tmap_new("@", NULL, hist_t(0));
	add_hist(t, NULL, (int64_t[]){ 10LL * 1024 * 1024 * 1024 }, 1);
	check_map("hist: 10G", t, "@:\n[8G, 16G)              1 |" B52 "|\n\n",
		"{\"type\": \"hist\", \"data\": {\"@\": [{\"min\": 8589934592, \"max\": 17179869183, "
		"\"count\": 1}]}}\n");
	free(t);

	/* hist(n, 2): the first 2^(k+1) indexes single values, then 2^k
	 * sub-buckets per power of two [ref 2.2, "[8K, 10K)"] */
	t = tmap_new("@", NULL, hist_t(2));
	add_hist(t, NULL, (int64_t[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 10);
	check_map("hist(n, 2): single values", t,
		"@:\n"
		"[0]                    1 |" B26 "|\n"
		"[1]                    1 |" B26 "|\n"
		"[2]                    1 |" B26 "|\n"
		"[3]                    1 |" B26 "|\n"
		"[4]                    1 |" B26 "|\n"
		"[5]                    1 |" B26 "|\n"
		"[6]                    1 |" B26 "|\n"
		"[7]                    1 |" B26 "|\n"
		"[8, 10)                2 |" B52 "|\n"
		"\n", NULL);
	free(t);
	t = tmap_new("@", NULL, hist_t(2));
	add_hist(t, NULL, (int64_t[]){ 8192, 10240, 11000 }, 3);
	check_map("hist(n, 2): K sub-buckets", t,
		"@:\n"
		"[8K, 10K)              1 |" B26 "|\n"
		"[10K, 12K)             2 |" B52 "|\n"
		"\n", NULL);
	free(t);

	/* $i = 0; while ($i < 1024) { @ = hist($i, 3); $i++; } [up hist_2args.json] */
	t = tmap_new("@", NULL, hist_t(3));
	static int64_t all[1024];
	for (int i = 0; i < 1024; i++)
		all[i] = i;
	add_hist(t, NULL, all, 1024);
	check_map("hist(n, 3) of 0..1023", t, NULL,
		"{\"type\": \"hist\", \"data\": {\"@\": [{\"min\": 0, \"max\": 0, \"count\": 1},{"
		"\"min\": 1, \"max\": 1, \"count\": 1},{\"min\": 2, \"max\": 2, \"count\": 1},{"
		"\"min\": 3, \"max\": 3, \"count\": 1},{\"min\": 4, \"max\": 4, \"count\": 1},{"
		"\"min\": 5, \"max\": 5, \"count\": 1},{\"min\": 6, \"max\": 6, \"count\": 1},{"
		"\"min\": 7, \"max\": 7, \"count\": 1},{\"min\": 8, \"max\": 8, \"count\": 1},{"
		"\"min\": 9, \"max\": 9, \"count\": 1},{\"min\": 10, \"max\": 10, \"count\": 1},{"
		"\"min\": 11, \"max\": 11, \"count\": 1},{\"min\": 12, \"max\": 12, \"count\": 1},{"
		"\"min\": 13, \"max\": 13, \"count\": 1},{\"min\": 14, \"max\": 14, \"count\": 1},{"
		"\"min\": 15, \"max\": 15, \"count\": 1},{\"min\": 16, \"max\": 17, \"count\": 2},{"
		"\"min\": 18, \"max\": 19, \"count\": 2},{\"min\": 20, \"max\": 21, \"count\": 2},{"
		"\"min\": 22, \"max\": 23, \"count\": 2},{\"min\": 24, \"max\": 25, \"count\": 2},{"
		"\"min\": 26, \"max\": 27, \"count\": 2},{\"min\": 28, \"max\": 29, \"count\": 2},{"
		"\"min\": 30, \"max\": 31, \"count\": 2},{\"min\": 32, \"max\": 35, \"count\": 4},{"
		"\"min\": 36, \"max\": 39, \"count\": 4},{\"min\": 40, \"max\": 43, \"count\": 4},{"
		"\"min\": 44, \"max\": 47, \"count\": 4},{\"min\": 48, \"max\": 51, \"count\": 4},{"
		"\"min\": 52, \"max\": 55, \"count\": 4},{\"min\": 56, \"max\": 59, \"count\": 4},{"
		"\"min\": 60, \"max\": 63, \"count\": 4},{\"min\": 64, \"max\": 71, \"count\": 8},{"
		"\"min\": 72, \"max\": 79, \"count\": 8},{\"min\": 80, \"max\": 87, \"count\": 8},{"
		"\"min\": 88, \"max\": 95, \"count\": 8},{\"min\": 96, \"max\": 103, \"count\": 8},{"
		"\"min\": 104, \"max\": 111, \"count\": 8},{\"min\": 112, \"max\": 119, \"count\": 8},{"
		"\"min\": 120, \"max\": 127, \"count\": 8},{\"min\": 128, \"max\": 143, \"count\": 16},{"
		"\"min\": 144, \"max\": 159, \"count\": 16},{\"min\": 160, \"max\": 175, \"count\": 16},{"
		"\"min\": 176, \"max\": 191, \"count\": 16},{\"min\": 192, \"max\": 207, \"count\": 16},{"
		"\"min\": 208, \"max\": 223, \"count\": 16},{\"min\": 224, \"max\": 239, \"count\": 16},{"
		"\"min\": 240, \"max\": 255, \"count\": 16},{\"min\": 256, \"max\": 287, \"count\": 32},{"
		"\"min\": 288, \"max\": 319, \"count\": 32},{\"min\": 320, \"max\": 351, \"count\": 32},{"
		"\"min\": 352, \"max\": 383, \"count\": 32},{\"min\": 384, \"max\": 415, \"count\": 32},{"
		"\"min\": 416, \"max\": 447, \"count\": 32},{\"min\": 448, \"max\": 479, \"count\": 32},{"
		"\"min\": 480, \"max\": 511, \"count\": 32},{\"min\": 512, \"max\": 575, \"count\": 64},{"
		"\"min\": 576, \"max\": 639, \"count\": 64},{\"min\": 640, \"max\": 703, \"count\": 64},{"
		"\"min\": 704, \"max\": 767, \"count\": 64},{\"min\": 768, \"max\": 831, \"count\": 64},{"
		"\"min\": 832, \"max\": 895, \"count\": 64},{\"min\": 896, \"max\": 959, \"count\": 64},{"
		"\"min\": 960, \"max\": 1023, \"count\": 64}]}}\n");
	free(t);

	/* keyed: @["bpftrace"] = hist(2); @["curl"] = hist(-1), hist(0), hist(511),
	 * hist(1024), hist(1025); ordered by total count [up hist_multiple.json] */
	t = tmap_new("@", str_t(9), hist_t(0));
	add_hist(t, "curl\0\0\0\0", (int64_t[]){ -1, 0, 511, 1024, 1025 }, 5);
	add_hist(t, "bpftrace", (int64_t[]){ 2 }, 1);
	check_map("keyed hist", t,
		"@[bpftrace]:\n"
		"[2, 4)                 1 |" B52 "|\n"
		"\n"
		"@[curl]:\n"
		"(..., 0)               1 |" B26 "|\n"
		"[0]                    1 |" B26 "|\n"
		"[1]                    0 |" B00 "|\n"
		"[2, 4)                 0 |" B00 "|\n"
		"[4, 8)                 0 |" B00 "|\n"
		"[8, 16)                0 |" B00 "|\n"
		"[16, 32)               0 |" B00 "|\n"
		"[32, 64)               0 |" B00 "|\n"
		"[64, 128)              0 |" B00 "|\n"
		"[128, 256)             0 |" B00 "|\n"
		"[256, 512)             1 |" B26 "|\n"
		"[512, 1K)              0 |" B00 "|\n"
		"[1K, 2K)               2 |" B52 "|\n"
		"\n",
		"{\"type\": \"hist\", \"data\": {\"@\": {\"bpftrace\": [{\"min\": 2, \"max\": 3, \"count\": 1}], "
		"\"curl\": [{\"max\": -1, \"count\": 1},{\"min\": 0, \"max\": 0, \"count\": 1},"
		"{\"min\": 1, \"max\": 1, \"count\": 0},{\"min\": 2, \"max\": 3, \"count\": 0},"
		"{\"min\": 4, \"max\": 7, \"count\": 0},{\"min\": 8, \"max\": 15, \"count\": 0},"
		"{\"min\": 16, \"max\": 31, \"count\": 0},{\"min\": 32, \"max\": 63, \"count\": 0},"
		"{\"min\": 64, \"max\": 127, \"count\": 0},{\"min\": 128, \"max\": 255, \"count\": 0},"
		"{\"min\": 256, \"max\": 511, \"count\": 1},{\"min\": 512, \"max\": 1023, \"count\": 0},"
		"{\"min\": 1024, \"max\": 2047, \"count\": 2}]}}}\n");
	free(t);

	/* @["bpftrace", 2] = hist(2); @["curl", 3] = hist(511); hist(1024)
	 * [up hist_multiple_multiple_keys.json]: keys joined with ",", no spaces */
	const struct ty *kt = tuple(2, str_t(9), I64);
	t = tmap_new("@", kt, hist_t(0));
	struct blob k1 = { 0 }, k2 = { 0 };
	put_str(&k1, 0, "curl");
	put_i64(&k1, kt->fields[1].offset, 3);
	put_str(&k2, 0, "bpftrace");
	put_i64(&k2, kt->fields[1].offset, 2);
	add_hist(t, k1.b, (int64_t[]){ 511, 1024 }, 2);
	add_hist(t, k2.b, (int64_t[]){ 2 }, 1);
	check_map("hist with two keys", t,
		"@[bpftrace, 2]:\n"
		"[2, 4)                 1 |" B52 "|\n"
		"\n"
		"@[curl, 3]:\n"
		"[256, 512)             1 |" B52 "|\n"
		"[512, 1K)              0 |" B00 "|\n"
		"[1K, 2K)               1 |" B52 "|\n"
		"\n",
		"{\"type\": \"hist\", \"data\": {\"@\": {\"bpftrace,2\": [{\"min\": 2, \"max\": 3, \"count\": 1}], "
		"\"curl,3\": [{\"min\": 256, \"max\": 511, \"count\": 1},{\"min\": 512, \"max\": 1023, "
		"\"count\": 0},{\"min\": 1024, \"max\": 2047, \"count\": 1}]}}}\n");
	free(t);

	/* begin { @[1] = hist(10); @[2] = hist(20); @[3] = hist(30); print(@, 2); }
	 * [up json-output print_hist_with_top_arg; call: "@[2]:...@[3]:"] */
	t = tmap_new("@", I64, hist_t(0));
	for (int64_t i = 1; i <= 3; i++)
		add_hist(t, &i, (int64_t[]){ 10 * i }, 1);
	check_free("print(@hist, 2) (text)", run_print(OUT_TEXT, t, 2, 0),
		"@[2]:\n"
		"[16, 32)               1 |" B52 "|\n"
		"\n"
		"@[3]:\n"
		"[16, 32)               1 |" B52 "|\n"
		"\n");
	check_free("print(@hist, 2) (json)", run_print(OUT_JSON, t, 2, 0),
		"{\"type\": \"hist\", \"data\": {\"@\": {\"2\": [{\"min\": 16, \"max\": 31, \"count\": 1}], "
		"\"3\": [{\"min\": 16, \"max\": 31, \"count\": 1}]}}}\n");
	check_free("print(@hist, 10) (json)", run_print(OUT_JSON, t, 10, 0),
		"{\"type\": \"hist\", \"data\": {\"@\": {\"1\": [{\"min\": 8, \"max\": 15, \"count\": 1}], "
		"\"2\": [{\"min\": 16, \"max\": 31, \"count\": 1}], "
		"\"3\": [{\"min\": 16, \"max\": 31, \"count\": 1}]}}}\n");
	free(t);

	/* an empty hist map prints nothing, in print() and at exit */
	t = tmap_new("@h", I64, hist_t(0));
	check_map("empty keyed hist", t, "", "");
	free(t);
}

static void case_lhist(void)
{
	struct tmap *t;

	/* @=lhist(2,0,10,2), 3, 7, -1, 11 [up lhist.txt] */
	t = tmap_new("@", NULL, lhist_t(0, 10, 2));
	add_hist(t, NULL, (int64_t[]){ 2, 3, 7, -1, 11 }, 5);
	check_map("lhist: under- and overflow", t,
		"@:\n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[0, 2)                 0 |                                                    |\n"
		"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4, 6)                 0 |                                                    |\n"
		"[6, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[8, 10)                0 |                                                    |\n"
		"[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n",
		"{\"type\": \"hist\", \"data\": {\"@\": [{\"max\": -1, \"count\": 1},"
		"{\"min\": 0, \"max\": 1, \"count\": 0},{\"min\": 2, \"max\": 3, \"count\": 2},"
		"{\"min\": 4, \"max\": 5, \"count\": 0},{\"min\": 6, \"max\": 7, \"count\": 1},"
		"{\"min\": 8, \"max\": 9, \"count\": 0},{\"min\": 10, \"count\": 1}]}}\n");
	free(t);

	/* @h = lhist(2, 0, 100, 10), 50, 1000 [up lhist.json] */
	t = tmap_new("@h", NULL, lhist_t(0, 100, 10));
	add_hist(t, NULL, (int64_t[]){ 2, 50, 1000 }, 3);
	check_map("lhist 0..100 step 10", t, NULL,
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 0, \"max\": 9, \"count\": 1},"
		"{\"min\": 10, \"max\": 19, \"count\": 0},{\"min\": 20, \"max\": 29, \"count\": 0},"
		"{\"min\": 30, \"max\": 39, \"count\": 0},{\"min\": 40, \"max\": 49, \"count\": 0},"
		"{\"min\": 50, \"max\": 59, \"count\": 1},{\"min\": 60, \"max\": 69, \"count\": 0},"
		"{\"min\": 70, \"max\": 79, \"count\": 0},{\"min\": 80, \"max\": 89, \"count\": 0},"
		"{\"min\": 90, \"max\": 99, \"count\": 0},{\"min\": 100, \"count\": 1}]}}\n");
	free(t);

	/* zero(@h) [up lhist_zero.json] */
	t = tmap_new("@h", NULL, lhist_t(0, 100, 10));
	add_bucket(t, NULL, 1, 0);
	check_map("lhist: zeroed", t, "@h:\n\n", "{\"type\": \"hist\", \"data\": {\"@h\": []}}\n");
	free(t);

	/* @stats["bpftrace"] = lhist(2,..); ["curl"] = lhist(50,..);
	 * ["bpftrace"] = lhist(1000,..): by total count [up lhist_multiple.json] */
	t = tmap_new("@stats", str_t(9), lhist_t(0, 100, 10));
	add_hist(t, "bpftrace", (int64_t[]){ 2, 1000 }, 2);
	add_hist(t, "curl\0\0\0\0", (int64_t[]){ 50 }, 1);
	check_map("keyed lhist", t, NULL,
		"{\"type\": \"hist\", \"data\": {\"@stats\": {\"curl\": [{\"min\": 50, \"max\": 59, \"count\": 1}], "
		"\"bpftrace\": [{\"min\": 0, \"max\": 9, \"count\": 1},"
		"{\"min\": 10, \"max\": 19, \"count\": 0},{\"min\": 20, \"max\": 29, \"count\": 0},"
		"{\"min\": 30, \"max\": 39, \"count\": 0},{\"min\": 40, \"max\": 49, \"count\": 0},"
		"{\"min\": 50, \"max\": 59, \"count\": 0},{\"min\": 60, \"max\": 69, \"count\": 0},"
		"{\"min\": 70, \"max\": 79, \"count\": 0},{\"min\": 80, \"max\": 89, \"count\": 0},"
		"{\"min\": 90, \"max\": 99, \"count\": 0},{\"min\": 100, \"count\": 1}]}}}\n");
	free(t);

	/* [up tests/output.cpp] lhist_no_suffix, lhist_suffix, overflow/underflow only */
	t = tmap_new("@mymap", NULL, lhist_t(610000, 670000, 10000));
	for (uint64_t b = 1; b <= 6; b++)
		add_bucket(t, NULL, b, 1);
	check_map("lhist: no suffix unless step % 1024 == 0", t,
		"@mymap:\n"
		"[610000, 620000)       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[620000, 630000)       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[630000, 640000)       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[640000, 650000)       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[650000, 660000)       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[660000, 670000)       1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n", NULL);
	free(t);
	t = tmap_new("@mymap", NULL, lhist_t(0, 5 * 1024, 1024));
	for (uint64_t b = 1; b <= 5; b++)
		add_bucket(t, NULL, b, 1);
	check_map("lhist: K suffix with a 1024 step", t,
		"@mymap:\n"
		"[0, 1K)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[3K, 4K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4K, 5K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n", NULL);
	free(t);
	t = tmap_new("@mymap", NULL, lhist_t(0, 100, 10));
	add_bucket(t, NULL, 11, 1);
	check_map("lhist: overflow only", t,
		"@mymap:\n"
		"[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n", NULL);
	free(t);
	t = tmap_new("@mymap", NULL, lhist_t(10, 110, 10));
	add_bucket(t, NULL, 0, 1);
	check_map("lhist: underflow only", t,
		"@mymap:\n"
		"(..., 10)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n", NULL);
	free(t);
	/* lhist(x,0,100,10) of -5, 5, 55, 200 [ref 2.2], in HEAD's labels */
	t = tmap_new("@", NULL, lhist_t(0, 100, 10));
	add_hist(t, NULL, (int64_t[]){ -5, 5, 55, 200 }, 4);
	check_map("lhist: reference rows", t,
		"@:\n"
		"(..., 0)               1 |" B52 "|\n"
		"[0, 10)                1 |" B52 "|\n"
		"[10, 20)               0 |" B00 "|\n"
		"[20, 30)               0 |" B00 "|\n"
		"[30, 40)               0 |" B00 "|\n"
		"[40, 50)               0 |" B00 "|\n"
		"[50, 60)               1 |" B52 "|\n"
		"[60, 70)               0 |" B00 "|\n"
		"[70, 80)               0 |" B00 "|\n"
		"[80, 90)               0 |" B00 "|\n"
		"[90, 100)              0 |" B00 "|\n"
		"[100, ...)             1 |" B52 "|\n"
		"\n", NULL);
	free(t);
}

/* ---- maps of values ------------------------------------------------------------ */

static void case_value_maps(void)
{
	struct tmap *t;
	struct blob k;

	/* [ref 2.3] one line per map, as captured (stats in HEAD's form) */
	t = tmap_new("@M", NULL, agg(TY_AGG_MAX, I64));
	add_minmax(t, NULL, 9);
	check_map("max", t, "@M: 9\n", "{\"type\": \"map\", \"data\": {\"@M\": 9}}\n");
	free(t);
	t = tmap_new("@m", NULL, agg(TY_AGG_MIN, I64));
	add_minmax(t, NULL, 5);
	check_map("min", t, "@m: 5\n", NULL);
	free(t);
	/* @M = max(-2); @M = max(-9): 0.17 printed nothing, fixed in 0.22 [ref 2.3]:
	 * a CPU that never ran (set = 0) does not count */
	t = tmap_new("@M", NULL, agg(TY_AGG_MAX, I64));
	add_minmax(t, NULL, -2);
	check_map("max of negatives", t, "@M: -2\n", NULL);
	free(t);
	t = tmap_new("@sum", NULL, agg(TY_AGG_SUM, I64));
	add_total(t, NULL, 10);
	check_map("sum", t, "@sum: 10\n", NULL);
	free(t);
	t = tmap_new("@d", I64, agg(TY_AGG_COUNT, NULL));
	add_total(t, &(int64_t){ 20 }, 2);
	check_map("count", t, "@d[20]: 2\n", NULL);
	free(t);
	t = tmap_new("@s", NULL, str_t(6));
	add_value(t, NULL, "hello");
	check_map("string value", t, "@s: hello\n", NULL);
	free(t);
	const struct ty *tt = tuple(3, I64, str_t(4), I64);
	t = tmap_new("@t", NULL, tt);
	memset(&k, 0, sizeof(k));
	put_i64(&k, 0, 1);
	put_str(&k, tt->fields[1].offset, "two");
	put_i64(&k, tt->fields[2].offset, 3);
	add_value(t, NULL, k.b);
	check_map("tuple value: strings unquoted", t, "@t: (1, two, 3)\n", NULL);
	free(t);
	const struct ty *kt = tuple(2, I64, str_t(2));
	t = tmap_new("@a", kt, agg(TY_AGG_COUNT, NULL));
	memset(&k, 0, sizeof(k));
	put_i64(&k, 0, 2);
	put_str(&k, kt->fields[1].offset, "y");
	add_total(t, k.b, 3);
	check_map("two keys: no parentheses", t, "@a[2, y]: 3\n", NULL);
	free(t);
	t = tmap_new("@u", NULL, U64);
	add_int(t, NULL, (uint8_t)300);
	check_map("(uint8)300", t, "@u: 44\n", NULL);
	free(t);
	t = tmap_new("@s", str_t(2), agg(TY_AGG_STATS, I64));
	add_avg(t, "b", 4, 2);
	/* print() of an avg or stats map ends with a blank line (0.17) */
	check_map("keyed stats", t, "@s[b]: { .count = 2, .average = 2, .total = 4 }\n\n", NULL);
	free(t);
	t = tmap_new("@v", str_t(2), agg(TY_AGG_AVG, I64));
	add_avg(t, "b", 4, 2);
	check_map("keyed avg: integer average", t, "@v[b]: 2\n\n", NULL);
	free(t);

	/* [ref 2.7] JSON */
	t = tmap_new("@str", NULL, str_t(2));
	add_value(t, NULL, "s");
	check_map("string scalar", t, NULL, "{\"type\": \"map\", \"data\": {\"@str\": \"s\"}}\n");
	free(t);
	t = tmap_new("@t", kt, I64);
	memset(&k, 0, sizeof(k));
	put_i64(&k, 0, 1);
	put_str(&k, kt->fields[1].offset, "a");
	add_int(t, k.b, 2);
	check_map("two keys joined with ','", t, "@t[1, a]: 2\n",
		  "{\"type\": \"map\", \"data\": {\"@t\": {\"1,a\": 2}}}\n");
	free(t);

	/* [up json-output] */
	t = tmap_new("@scalar", NULL, I64);
	add_int(t, NULL, 5);
	check_map("scalar", t, NULL, "{\"type\": \"map\", \"data\": {\"@scalar\": 5}}\n");
	free(t);
	t = tmap_new("@scalar_str", NULL, str_t(16));
	memset(&k, 0, sizeof(k));
	put_str(&k, 0, "a b \n d e");
	add_value(t, NULL, k.b);
	check_map("scalar string with a newline", t, NULL,
		  "{\"type\": \"map\", \"data\": {\"@scalar_str\": \"a b \\n d e\"}}\n");
	free(t);
	kt = tuple(2, str_t(16), I64);
	t = tmap_new("@complex", kt, I64);
	memset(&k, 0, sizeof(k));
	put_str(&k, 0, "bpftrace");
	put_i64(&k, kt->fields[1].offset, 2);
	add_int(t, k.b, 5);
	check_map("@complex[comm, 2]", t, NULL,
		  "{\"type\": \"map\", \"data\": {\"@complex\": {\"bpftrace,2\": 5}}}\n");
	free(t);
	t = tmap_new("@map", str_t(5), I64);
	add_int(t, "key2", 3);
	add_int(t, "key1", 2);
	check_map("@map[key1], @map[key2]", t, NULL,
		  "{\"type\": \"map\", \"data\": {\"@map\": {\"key1\": 2, \"key2\": 3}}}\n");
	free(t);
	/* @ = (1, 2, "string", (4, 5)) */
	const struct ty *inner = tuple(2, I64, I64);
	tt = tuple(4, I64, I64, str_t(7), inner);
	t = tmap_new("@", NULL, tt);
	memset(&k, 0, sizeof(k));
	put_i64(&k, 0, 1);
	put_i64(&k, tt->fields[1].offset, 2);
	put_str(&k, tt->fields[2].offset, "string");
	put_i64(&k, tt->fields[3].offset, 4);
	put_i64(&k, tt->fields[3].offset + 8, 5);
	add_value(t, NULL, k.b);
	check_map("nested tuple", t, "@: (1, 2, string, (4, 5))\n",
		  "{\"type\": \"map\", \"data\": {\"@\": [1,2,\"string\",[4,5]]}}\n");
	free(t);
	tt = tuple(3, I64, I64, str_t(24));
	t = tmap_new("@", NULL, tt);
	memset(&k, 0, sizeof(k));
	put_i64(&k, 0, 1);
	put_i64(&k, 8, 2);
	put_str(&k, 16, "string with \"quotes\"");
	add_value(t, NULL, k.b);
	check_map("quotes in JSON strings", t, NULL,
		  "{\"type\": \"map\", \"data\": {\"@\": [1,2,\"string with \\\"quotes\\\"\"]}}\n");
	free(t);
	/* $v = (x=1, y=2); @a = (a=0, b=1, c="str", d=(5, 6), e=$v) */
	const struct ty *xy = record(2, "x", I64, "y", I64);
	const struct ty *rt = record(5, "a", I64, "b", I64, "c", str_t(4), "d", inner, "e", xy);
	t = tmap_new("@a", NULL, rt);
	memset(&k, 0, sizeof(k));
	put_i64(&k, rt->fields[1].offset, 1);
	put_str(&k, rt->fields[2].offset, "str");
	put_i64(&k, rt->fields[3].offset, 5);
	put_i64(&k, rt->fields[3].offset + 8, 6);
	put_i64(&k, rt->fields[4].offset, 1);
	put_i64(&k, rt->fields[4].offset + 8, 2);
	add_value(t, NULL, k.b);
	check_map("record", t, "@a: { .a = 0, .b = 1, .c = str, .d = (5, 6), .e = { .x = 1, .y = 2 } }\n",
		  "{\"type\": \"map\", \"data\": {\"@a\": {\"a\": 0, \"b\": 1, \"c\": \"str\", \"d\": [5,6], "
		  "\"e\": {\"x\": 1, \"y\": 2}}}}\n");
	free(t);
	/* @ = (int16 *)0x32: text as hex, JSON the number */
	t = tmap_new("@", NULL, ty_ptr(A, ty_int(2, true), TY_AS_KERNEL));
	add_int(t, NULL, 0x32);
	check_map("pointer", t, "@: 0x32\n", "{\"type\": \"map\", \"data\": {\"@\": 50}}\n");
	free(t);
	/* @stats = stats(2); @stats = stats(10) [up stats.json] */
	t = tmap_new("@stats", NULL, agg(TY_AGG_STATS, I64));
	add_avg(t, NULL, 12, 2);
	check_map("stats", t, "@stats: { .count = 2, .average = 6, .total = 12 }\n\n",
		  "{\"type\": \"stats\", \"data\": {\"@stats\": {\"count\": 2, \"average\": 6, \"total\": 12}}}\n");
	free(t);
	/* [up stats_multiple.json] */
	t = tmap_new("@stats", str_t(5), agg(TY_AGG_STATS, I64));
	add_avg(t, "zsh\0", 10, 1);
	add_avg(t, "curl", 2, 1);
	check_map("keyed stats", t, NULL,
		  "{\"type\": \"stats\", \"data\": {\"@stats\": {\"curl\": {\"count\": 1, \"average\": 2, \"total\": 2}, "
		  "\"zsh\": {\"count\": 1, \"average\": 10, \"total\": 10}}}}\n");
	free(t);

	/* print(@m, 2, 2) on @[1..4] = 1..4 [ref 2.3] */
	t = tmap_new("@", I64, I64);
	for (int64_t i = 4; i >= 1; i--)
		add_int(t, &i, i);
	check_free("print(@, 2, 2)", run_print(OUT_TEXT, t, 2, 2), "@[3]: 1\n@[4]: 2\n");
	free(t);
	/* @["a"] = avg(10) ... @["d"] = avg(40); print(@, 2, 10), print(@, 10, 10)
	 * [up print_avg_map_args.txt, print_avg_map_with_large_top.txt, json-output] */
	t = tmap_new("@", str_t(2), agg(TY_AGG_AVG, I64));
	add_avg(t, "c", 30, 1);
	add_avg(t, "a", 10, 1);
	add_avg(t, "d", 40, 1);
	add_avg(t, "b", 20, 1);
	check_free("print(@avg, 2, 10) (text)", run_print(OUT_TEXT, t, 2, 10), "@[c]: 3\n@[d]: 4\n\n");
	check_free("print(@avg, 2, 10) (json)", run_print(OUT_JSON, t, 2, 10),
		   "{\"type\": \"stats\", \"data\": {\"@\": {\"c\": 3, \"d\": 4}}}\n");
	check_free("print(@avg, 10, 10) (text)", run_print(OUT_TEXT, t, 10, 10),
		   "@[a]: 1\n@[b]: 2\n@[c]: 3\n@[d]: 4\n\n");
	check_free("print(@avg, 10, 10) (json)", run_print(OUT_JSON, t, 10, 10),
		   "{\"type\": \"stats\", \"data\": {\"@\": {\"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4}}}\n");
	free(t);

	/* print() of an empty scalar shows its zero value [src async_action.cpp
	 * print_map]; at exit an empty map prints nothing [ref 2.4] */
	t = tmap_new("@x", NULL, agg(TY_AGG_COUNT, NULL));
	check_map("print(@x) of an empty scalar", t, "@x: 0\n",
		  "{\"type\": \"map\", \"data\": {\"@x\": 0}}\n");
	struct tmap *maps[1] = { t };
	check_free("empty scalar at exit (text)", run_exit(OUT_TEXT, maps, 1), "\n\n");
	check_free("empty scalar at exit (json)", run_exit(OUT_JSON, maps, 1), "");
	free(t);
	t = tmap_new("@s", NULL, agg(TY_AGG_STATS, I64));
	check_map("print(@s) of an empty stats", t, "@s: { .count = 0, .average = 0, .total = 0 }\n\n",
		  NULL);
	free(t);
	/* an emptied avg/stats map is still emitted in JSON, as {} (json.cpp
	 * skips only plain empty maps) [src] */
	t = tmap_new("@a", str_t(2), agg(TY_AGG_AVG, I64));
	check_map("empty keyed avg", t, "", "{\"type\": \"stats\", \"data\": {\"@a\": {}}}\n");
	free(t);
}

/* ---- ordering: every rule of [ref 2.4] --------------------------------------------- */

static void case_order(void)
{
	struct tmap *t;
	struct blob k;

	t = tmap_new("@c", str_t(2), agg(TY_AGG_COUNT, NULL));
	add_total(t, "a", 3);
	add_total(t, "b", 1);
	add_total(t, "c", 2);
	check_map("count: by value", t, "@c[b]: 1\n@c[c]: 2\n@c[a]: 3\n", NULL);
	free(t);
	t = tmap_new("@s", str_t(2), agg(TY_AGG_SUM, I64));
	add_total(t, "a", 5);
	add_total(t, "b", -7);
	add_total(t, "c", 0);
	check_map("sum: by signed value", t, "@s[b]: -7\n@s[c]: 0\n@s[a]: 5\n",
		  "{\"type\": \"map\", \"data\": {\"@s\": {\"b\": -7, \"c\": 0, \"a\": 5}}}\n");
	free(t);
	t = tmap_new("@i", str_t(2), I64);
	add_int(t, "x", -1);
	add_int(t, "y", -3);
	add_int(t, "z", 2);
	check_map("int values: signed", t, "@i[y]: -3\n@i[x]: -1\n@i[z]: 2\n", NULL);
	free(t);
	t = tmap_new("@u", str_t(2), U64);
	add_int(t, "x", INT64_MIN);
	add_int(t, "y", 1);
	check_map("uint values: unsigned", t, "@u[y]: 1\n@u[x]: 9223372036854775808\n", NULL);
	free(t);
	t = tmap_new("@m", str_t(2), agg(TY_AGG_MIN, I64));
	add_minmax(t, "a", 7);
	add_minmax(t, "b", 3);
	check_map("min: by value", t, "@m[b]: 3\n@m[a]: 7\n", NULL);
	free(t);
	/* upstream sorts min/max by the unsigned value whatever the sign
	 * (types_format.cpp: min_max_value<uint64_t>), so -1 sorts last [src] */
	t = tmap_new("@x", str_t(2), agg(TY_AGG_MAX, I64));
	add_minmax(t, "a", -1);
	add_minmax(t, "b", 5);
	check_map("max: negatives sort as unsigned", t, "@x[b]: 5\n@x[a]: -1\n", NULL);
	free(t);
	t = tmap_new("@a", str_t(2), agg(TY_AGG_AVG, I64));
	add_avg(t, "x", 30, 3);
	add_avg(t, "y", 4, 1);
	add_avg(t, "z", -10, 2);
	check_map("avg: by signed average", t, "@a[z]: -5\n@a[y]: 4\n@a[x]: 10\n\n", NULL);
	free(t);
	t = tmap_new("@s", str_t(2), agg(TY_AGG_STATS, I64));
	add_avg(t, "x", 30, 3);
	add_avg(t, "y", 4, 1);
	check_map("stats: by average", t,
		  "@s[y]: { .count = 1, .average = 4, .total = 4 }\n"
		  "@s[x]: { .count = 3, .average = 10, .total = 30 }\n\n", NULL);
	free(t);
	t = tmap_new("@c", str_t(2), agg(TY_AGG_COUNT, NULL));
	add_total(t, "x", 1);
	add_total(t, "a", 1);
	add_total(t, "m", 1);
	check_map("equal values keep the order read", t, "@c[x]: 1\n@c[a]: 1\n@c[m]: 1\n", NULL);
	free(t);

	/* other values: by key */
	t = tmap_new("@s", I64, str_t(2));
	add_value(t, &(int64_t){ 10 }, "a");
	add_value(t, &(int64_t){ -1 }, "b");
	add_value(t, &(int64_t){ 2 }, "c");
	check_map("int keys: numeric, signed", t, "@s[-1]: b\n@s[2]: c\n@s[10]: a\n", NULL);
	free(t);
	/* upstream sorts every int key as signed of its width (sort_by_key) [src] */
	t = tmap_new("@s", U64, str_t(2));
	add_value(t, &(uint64_t){ 1 }, "a");
	add_value(t, &(uint64_t){ UINT64_MAX }, "b");
	check_map("unsigned keys sort as signed", t, "@s[18446744073709551615]: b\n@s[1]: a\n",
		  NULL);
	free(t);
	t = tmap_new("@s", ty_int(4, true), str_t(2));
	add_value(t, &(int32_t){ 7 }, "a");
	add_value(t, &(int32_t){ -7 }, "b");
	check_map("int32 keys", t, "@s[-7]: b\n@s[7]: a\n", NULL);
	free(t);
	t = tmap_new("@s", str_t(3), str_t(2));
	add_value(t, "b\0", "1");
	add_value(t, "B\0", "2");
	add_value(t, "ab", "3");
	add_value(t, "a\0", "4");
	check_map("string keys: bytewise", t, "@s[B]: 2\n@s[a]: 4\n@s[ab]: 3\n@s[b]: 1\n", NULL);
	free(t);
	const struct ty *kt = tuple(2, I64, str_t(2));
	t = tmap_new("@t", kt, str_t(2));
	const struct { int64_t i; const char *s, *v; } keys[] = {
		{ 1, "b", "x" }, { 0, "z", "y" }, { 1, "a", "z" }, { -1, "q", "w" },
	};
	for (int i = 0; i < 4; i++) {
		memset(&k, 0, sizeof(k));
		put_i64(&k, 0, keys[i].i);
		put_str(&k, kt->fields[1].offset, keys[i].s);
		add_value(t, k.b, keys[i].v);
	}
	check_map("tuple keys: field by field", t,
		  "@t[-1, q]: w\n@t[0, z]: y\n@t[1, a]: z\n@t[1, b]: x\n", NULL);
	free(t);
	t = tmap_new("@b", ty_bool(), str_t(2));
	add_value(t, &(uint8_t){ 1 }, "t");
	add_value(t, &(uint8_t){ 0 }, "f");
	check_map("other keys: as read", t, "@b[true]: t\n@b[false]: f\n", NULL);
	free(t);
}

/* ---- print(value) ---------------------------------------------------------------- */

static void case_values(void)
{
	struct blob v;
	/* [ref 2.3] */
	check_free("print(1)", run_value(OUT_TEXT, I64, &(int64_t){ 1 }), "1\n");
	check_free("print(\"abc\")", run_value(OUT_TEXT, str_t(4), "abc"), "abc\n");
	const struct ty *t2 = tuple(2, I64, str_t(2));
	memset(&v, 0, sizeof(v));
	put_i64(&v, 0, 1);
	put_str(&v, 8, "a");
	check_free("print((1, \"a\"))", run_value(OUT_TEXT, t2, v.b), "(1, a)\n");
	const struct ty *inner = tuple(2, I64, str_t(2));
	const struct ty *t3 = tuple(2, I64, inner);
	memset(&v, 0, sizeof(v));
	put_i64(&v, 0, 1);
	put_i64(&v, 8, 2);
	put_str(&v, 16, "z");
	check_free("nested tuple", run_value(OUT_TEXT, t3, v.b), "(1, (2, z))\n");
	const struct ty *arr = ty_array(A, ty_int(4, true), 3);
	int32_t a3[3] = { 1, 2, 3 };
	check_free("array", run_value(OUT_TEXT, arr, a3), "[1,2,3]\n");
	check_free("array (json)", run_value(OUT_JSON, arr, a3),
		   "{\"type\": \"value\", \"data\": [1,2,3]}\n");
	const struct ty *rec = record(2, "a", I64, "b", str_t(2));
	memset(&v, 0, sizeof(v));
	put_i64(&v, 0, 1);
	put_str(&v, 8, "x");
	check_free("record", run_value(OUT_TEXT, rec, v.b), "{ .a = 1, .b = x }\n");
	check_free("bool", run_value(OUT_TEXT, ty_bool(), &(uint8_t){ 1 }), "true\n");
	check_free("bool false", run_value(OUT_TEXT, ty_bool(), &(uint8_t){ 0 }), "false\n");

	/* [ref 2.7], [up json-output] */
	check_free("value 7 (json)", run_value(OUT_JSON, I64, &(int64_t){ 7 }),
		   "{\"type\": \"value\", \"data\": 7}\n");
	const struct ty *t1x = tuple(2, I64, str_t(2));
	memset(&v, 0, sizeof(v));
	put_i64(&v, 0, 1);
	put_str(&v, 8, "x");
	check_free("tuple (json)", run_value(OUT_JSON, t1x, v.b),
		   "{\"type\": \"value\", \"data\": [1,\"x\"]}\n");
	check_free("comm (json)", run_value(OUT_JSON, str_t(16), "bpftrace\0\0\0\0\0\0\0"),
		   "{\"type\": \"value\", \"data\": \"bpftrace\"}\n");
	const struct ty *bb = tuple(2, ty_bool(), ty_bool());
	check_free("(true, false) (json)", run_value(OUT_JSON, bb, (uint8_t[]){ 1, 0 }),
		   "{\"type\": \"value\", \"data\": [true,false]}\n");
	/* struct Foo { int m; int n; } */
	const struct ty *foo = record(2, "m", ty_int(4, true), "n", ty_int(4, true));
	check_free("struct (json)", run_value(OUT_JSON, foo, (int32_t[]){ 2, 3 }),
		   "{\"type\": \"value\", \"data\": {\"m\": 2, \"n\": 3}}\n");
	/* struct Foo { struct { int m[1] } y; struct { int n; } a; } */
	const struct ty *y = record(1, "m", ty_array(A, ty_int(4, true), 1));
	const struct ty *an = record(1, "n", ty_int(4, true));
	const struct ty *foo2 = record(2, "y", y, "a", an);
	check_free("nested struct (json)", run_value(OUT_JSON, foo2, (int32_t[]){ 2, 3 }),
		   "{\"type\": \"value\", \"data\": {\"y\": {\"m\": [2]}, \"a\": {\"n\": 3}}}\n");
	check_free("empty record", run_value(OUT_TEXT, record(0), ""), "{}\n");

	/* HEAD: integers a double cannot hold are JSON strings [ref 2.7] */
	check_free("u64 max (json)", run_value(OUT_JSON, U64, &(uint64_t){ UINT64_MAX }),
		   "{\"type\": \"value\", \"data\": \"18446744073709551615\"}\n");
	check_free("2^53 + 1 (json)", run_value(OUT_JSON, I64, &(int64_t){ (INT64_C(1) << 53) + 1 }),
		   "{\"type\": \"value\", \"data\": \"9007199254740993\"}\n");
	check_free("2^53 (json)", run_value(OUT_JSON, I64, &(int64_t){ INT64_C(1) << 53 }),
		   "{\"type\": \"value\", \"data\": 9007199254740992}\n");
	check_free("-1 (json)", run_value(OUT_JSON, I64, &(int64_t){ -1 }),
		   "{\"type\": \"value\", \"data\": -1}\n");
	/* HEAD's str_trunc_trailer ".." on a string that fills its capacity [ref 2.3] */
	check_free("truncated string", run_value(OUT_TEXT, str_t(4), "abcd"), "abcd..\n");
	/* buffers: like %r in text, signed bytes in JSON (json.cpp vector<char>) */
	struct ty *bt = ty_new(A, TY_BUFFER);
	bt->size = 4 + 4;
	uint8_t buf[8] = { 3, 0, 0, 0, 'a', 'b', 1, 0 };
	check_free("buffer", run_value(OUT_TEXT, bt, buf), "ab\\x01\n");
	check_free("buffer (json)", run_value(OUT_JSON, bt, buf),
		   "{\"type\": \"value\", \"data\": [97,98,1]}\n");

	/* ntop: 127.0.0.1 and ::1 [ref 2.3] */
	struct ty *inet = ty_new(A, TY_INET);
	memset(&v, 0, sizeof(v));
	put_i64(&v, 0, AF_INET);
	put(&v, 8, (uint8_t[]){ 127, 0, 0, 1 }, 4);
	check_free("inet v4", run_value(OUT_TEXT, inet, v.b), "127.0.0.1\n");
	memset(&v, 0, sizeof(v));
	put_i64(&v, 0, AF_INET6);
	v.b[8 + 15] = 1;
	check_free("inet v6", run_value(OUT_TEXT, inet, v.b), "::1\n");
	check_free("inet v6 (json)", run_value(OUT_JSON, inet, v.b),
		   "{\"type\": \"value\", \"data\": \"::1\"}\n");
	/* uid 0 is root in every /etc/passwd */
	check_free("username", run_value(OUT_TEXT, ty_new(A, TY_USERNAME), &(uint64_t){ 0 }),
		   "root\n");
	/* an address that is no symbol prints as upstream's void * ostream: "0" */
	check_free("ksym(0)", run_value(OUT_TEXT, ty_new(A, TY_KSYM), &(uint64_t){ 0 }), "0\n");

	/* strftime() with bpftrace's %f (us), %k (ns), %l (ms) extensions */
	struct ty *ts = ty_new(A, TY_TIMESTAMP);
	memset(&v, 0, sizeof(v));
	uint32_t mode = 2;   /* since the epoch */
	put(&v, 4, &mode, 4);
	put_i64(&v, 8, INT64_C(3661123456789));
	const char *fmts[] = { "%H:%M:%S.%f|%k|%l|%%f" };
	struct desc d = { .strftime_fmts = fmts, .nstrftime = 1 };
	struct cap c;
	struct out_sink *s = cap_new(&c, OUT_TEXT);
	out_sink_set_desc(s, &d);
	out_value(s, ts, v.b);
	check_free("strftime %f %k %l", cap_take(&c, false), "01:01:01.123456|123456789|123|%f\n");

	/* ustack frames, as the loader's reader returns them (no symbol callback: addresses) */
	struct ty *us = ty_new(A, TY_STACK);
	us->stack_user = true;
	s = cap_new(&c, OUT_TEXT);
	out_sink_set_stack_reader(s, NULL, NULL);
	out_value(s, us, v.b);
	check_free("stack without a reader", cap_take(&c, false), "\n\n");
}

static int fake_stack(void *ctx, const struct ty *t, const void *value, uint64_t *ips,
		      uint32_t max)
{
	(void)ctx, (void)t, (void)value;
	if (max < 2)
		return -1;
	ips[0] = 0x1000;
	ips[1] = 0x2000;
	return 2;
}

static void case_stack(void)
{
	struct ty *us = ty_new(A, TY_STACK);
	us->stack_user = true;
	struct cap c;
	struct out_sink *s = cap_new(&c, OUT_TEXT);
	out_sink_set_stack_reader(s, fake_stack, NULL);
	out_value(s, us, (uint8_t[16]){ 0 });
	/* bpftrace mode: a newline, frames indented 8 [ref 2.3, HEAD] */
	check_free("ustack", cap_take(&c, false), "\n        0x1000\n        0x2000\n\n");
	us->stack_mode = 1;
	s = cap_new(&c, OUT_TEXT);
	out_sink_set_stack_reader(s, fake_stack, NULL);
	out_value(s, us, (uint8_t[16]){ 0 });
	/* perf mode: unknown frames "0x... ([unknown])" [ref 2.3] */
	check_free("ustack perf", cap_take(&c, false),
		   "\n\t1000 0x1000 ([unknown])\n\t2000 0x2000 ([unknown])\n\n");
}

/* ---- printf ------------------------------------------------------------------------ */

static void case_printf(void)
{
	struct rec r;

	/* [ref 2.3] */
	rec_init(&r);
	rec_str(&r, "a");
	rec_str(&r, "b");
	rec_i64(&r, 3);
	rec_i64(&r, 42);
	rec_i64(&r, 255);
	rec_i64(&r, 255);
	rec_i64(&r, 8);
	rec_i64(&r, 4096);
	rec_i64(&r, 10);
	rec_i64(&r, -5);
	rec_i64(&r, 257);
	check_free("printf flags, widths, conversions",
		   run_printf(OUT_TEXT, "%s|%10s|%-5d|%05d|%x|%X|%o|%p|%lu|%lld|%hhu\n", &r),
		   "a|         b|3    |00042|ff|FF|10|0x1000|10|-5|1\n");
	rec_init(&r);
	rec_buf(&r, "ab\x01", 3);
	rec_buf(&r, "ab", 2);
	rec_buf(&r, "ab", 2);
	check_free("printf %r %rx %rh", run_printf(OUT_TEXT, "%r|%rx|%rh\n", &r),
		   "ab\\x01|\\x61\\x62|61 62\n");
	/* HEAD: %% is % [ref 2.8 item 6]; a '%' starting no conversion stays */
	rec_init(&r);
	rec_i64(&r, 50);
	check_free("printf %%", run_printf(OUT_TEXT, "%d%% 100%%%5%|%y 100%", &r),
		   "50% 100%%|%y 100%");
	/* [up call printf_*] */
	rec_init(&r);
	rec_str(&r, "ba");
	rec_i64(&r, 2);
	check_free("printf %5s %04x", run_printf(OUT_TEXT, "%5s %04x", &r), "   ba 0002");
	/* [up tests/async_action.cpp printf]: against C's snprintf */
	rec_init(&r);
	rec_str(&r, "answer");
	rec_int(&r, U64, 42);
	rec_int(&r, U64, 0xDEADBEEF);
	rec_int(&r, U64, 'a');
	check_free("printf like snprintf",
		   run_printf(OUT_TEXT, "Multiple: %s=%d (0x%llx) char=%hhu", &r),
		   "Multiple: answer=42 (0xdeadbeef) char=97");
	/* [up json-output] */
	rec_init(&r);
	rec_i64(&r, 5);
	check_free("printf (json)", run_printf(OUT_JSON, "test %d", &r),
		   "{\"type\": \"printf\", \"data\": \"test 5\"}\n");
	rec_init(&r);
	check_free("printf escapes (json)", run_printf(OUT_JSON, "test \r \n \t \\ \" bar", &r),
		   "{\"type\": \"printf\", \"data\": \"test \\r \\n \\t \\\\ \\\" bar\"}\n");
	/* the length modifier names the C type the value is read as
	 * [src format_string.cpp as_signed_integer: int without one] */
	rec_init(&r);
	rec_i64(&r, (INT64_C(1) << 32) + 1);
	rec_i64(&r, (INT64_C(1) << 32) + 1);
	rec_i64(&r, -1);
	rec_i64(&r, -1);
	rec_i64(&r, -1);
	rec_int(&r, ty_int(4, false), 4000000000u);
	check_free("printf length modifiers",
		   run_printf(OUT_TEXT, "%d %lld %u %lu %x %d", &r),
		   "1 4294967297 4294967295 18446744073709551615 ffffffff -294967296");
	/* %s of anything prints it as print() would [ref 1.7] */
	rec_init(&r);
	rec_i64(&r, 42);
	rec_add(&r, tuple(2, I64, str_t(2)), (uint8_t[16]){ 1, 0, 0, 0, 0, 0, 0, 0, 'a' });
	rec_add(&r, ty_bool(), &(uint8_t){ 1 });
	rec_int(&r, ty_int(1, true), 65);
	rec_add(&r, ty_ptr(A, ty_void(), TY_AS_KERNEL), &(uint64_t){ 0 });
	check_free("printf %s of any type, %c, %p of 0",
		   run_printf(OUT_TEXT, "%s|%s|%-6s|%c|%p", &r), "42|(1, a)|true  |A|0");
	/* C's flags, precision and width (not upstream's ostream quirks) */
	rec_init(&r);
	rec_i64(&r, -42);
	rec_i64(&r, 7);
	rec_str(&r, "hello");
	rec_i64(&r, 255);
	rec_i64(&r, 5);
	check_free("printf C semantics", run_printf(OUT_TEXT, "%05d|%+d|%.2s|%#x|% d", &r),
		   "-0042|+7|he|0xff| 5");
	/* '*' is accepted and takes no argument [src format_string.cpp] */
	rec_init(&r);
	rec_i64(&r, 3);
	check_free("printf %*d", run_printf(OUT_TEXT, "[%*d]", &r), "[3]");
}

static void check_fmt(const char *name, const char *fmt, const struct ty *const *args,
		      uint32_t n, const char *want)
{
	struct fmt f;
	char err[256] = "";
	fmt_parse(fmt, &f);
	int rc = fmt_check(&f, args, n, err, sizeof(err));
	check(name, rc ? err : "ok", want);
	fmt_fini(&f);
}

static void case_fmt_check(void)
{
	const struct ty *s4 = str_t(4);
	struct ty *buf = ty_new(A, TY_BUFFER);
	buf->size = 8;
	/* [ref 2.6]: "printf: Not enough arguments for format string (0 supplied, 1 expected)" */
	check_fmt("check: too few", "%d\n", NULL, 0,
		  "Not enough arguments for format string (0 supplied, 1 expected)");
	check_fmt("check: too many", "%d\n", (const struct ty *[]){ I64, I64 }, 2,
		  "Too many arguments for format string (2 supplied, 1 expected)");
	check_fmt("check: %% takes no argument", "%d%%\n", (const struct ty *[]){ I64 }, 1, "ok");
	check_fmt("check: %d of a string", "%d", (const struct ty *[]){ s4 }, 1,
		  "unsupported format specifier for type 'string[4]': d");
	check_fmt("check: %s of anything", "%s %s %s", (const struct ty *[]){ s4, I64, buf }, 3, "ok");
	check_fmt("check: %r of an int", "%rx", (const struct ty *[]){ I64 }, 1,
		  "unsupported format specifier for type 'int64': rx");
	check_fmt("check: floats", "%f", (const struct ty *[]){ I64 }, 1,
		  "unsupported format specifier: f");
	check_fmt("check: %p %c %x of ints, bool, pointers", "%p %c %x",
		  (const struct ty *[]){ ty_ptr(A, ty_void(), TY_AS_KERNEL), ty_int(1, true), ty_bool() },
		  3, "ok");
	check_fmt("check: none", "%d", (const struct ty *[]){ ty_none() }, 1,
		  "unable to print none type for specifier: d");

	struct fmt f;
	fmt_parse("a%-+ #012.5lldb%rhc%%%5.d", &f);
	check_int("parse: one conversion", f.nspecs, 2);
	check_int("parse: flags", f.specs[0].flags,
		  FMT_FLAG_LEFT | FMT_FLAG_PLUS | FMT_FLAG_SPACE | FMT_FLAG_ALT | FMT_FLAG_ZERO);
	check_int("parse: width", f.specs[0].width, 12);
	check_int("parse: precision", f.specs[0].precision, 5);
	check("parse: length", f.specs[0].length, "ll");
	check("parse: %rh", f.specs[1].letters, "rh");
	check("parse: fragments", f.text + f.frag[2], "c%%5.d");
	fmt_fini(&f);
}

/* ---- other events -------------------------------------------------------------- */

static void case_events(void)
{
	struct cap c;

	/* HEAD: stderr, singular for one [ref 2.4, 2.8 item 1] */
	out_attached(cap_new(&c, OUT_TEXT), 1);
	check_free("attached 1 (text, stderr)", cap_take(&c, true), "Attached 1 probe\n");
	out_attached(cap_new(&c, OUT_TEXT), 8);
	check_free("attached 8 (text, stderr)", cap_take(&c, true), "Attached 8 probes\n");
	out_attached(cap_new(&c, OUT_TEXT), 8);
	check_free("attached: nothing on stdout", cap_take(&c, false), "");
	/* [up json-output: attached_probes] */
	out_attached(cap_new(&c, OUT_JSON), 1);
	check_free("attached (json)", cap_take(&c, false),
		   "{\"type\": \"attached_probes\", \"count\": 1, \"data\": {\"probes\": 1}}\n");
	out_lost(cap_new(&c, OUT_TEXT), 5);
	check_free("lost (text, stderr)", cap_take(&c, true), "Lost 5 events\n");
	/* json.cpp lost_events [src] */
	out_lost(cap_new(&c, OUT_JSON), 5);
	check_free("lost (json)", cap_take(&c, false),
		   "{\"type\": \"lost_events\", \"count\": 5, \"data\": {\"events\": 5}}\n");
	out_end(cap_new(&c, OUT_JSON));
	check_free("end (json): nothing", cap_take(&c, false), "");

	/* time(): strftime of now; a format without conversions shows the framing */
	out_time(cap_new(&c, OUT_TEXT), "tick\n");
	check_free("time (text)", cap_take(&c, false), "tick\n");
	out_time(cap_new(&c, OUT_JSON), "tick\n");
	check_free("time (json)", cap_take(&c, false), "{\"type\": \"time\", \"data\": \"tick\\n\"}\n");

	/* join(args.argv, ",") [up json-output: join] */
	const struct ty *argv = ty_array(A, str_t(16), 4);
	char strs[4][16] = { "/bin/echo", "'A'", "", "x" };
	struct rec r;
	rec_init(&r);
	rec_add(&r, argv, strs);
	struct desc_event ev = { .kind = DESC_EV_JOIN, .fmt = ",", .args = r.args, .nargs = 1 };
	out_join(cap_new(&c, OUT_JSON), &ev, r.b);
	check_free("join (json)", cap_take(&c, false),
		   "{\"type\": \"join\", \"data\": \"/bin/echo,'A'\"}\n");
	out_join(cap_new(&c, OUT_TEXT), &ev, r.b);
	check_free("join (text)", cap_take(&c, false), "/bin/echo,'A'\n");

	/* system("echo a b c") [up json-output: syscall] */
	out_syscall(cap_new(&c, OUT_JSON), "a b c\n", 6);
	check_free("system (json)", cap_take(&c, false),
		   "{\"type\": \"syscall\", \"data\": \"a b c\\n\"}\n");
	out_cat(cap_new(&c, OUT_JSON), "1.5 2.5\n", 8);
	check_free("cat (json)", cap_take(&c, false), "{\"type\": \"cat\", \"data\": \"1.5 2.5\\n\"}\n");

	/* cat/system formats go through the same printf */
	rec_init(&r);
	rec_str(&r, "uptime");
	struct desc_event cat = { .kind = DESC_EV_CAT, .fmt = "/proc/%s", .args = r.args, .nargs = 1 };
	size_t n;
	struct out_sink *s = cap_new(&c, OUT_TEXT);
	char *path = out_format(s, &cat, r.b, &n);
	check_free("cat format", path, "/proc/uptime");
	check_int("cat format length", (long long)n, 12);
	free(cap_take(&c, false));

	/* formats parsed once by out_sink_set_desc */
	rec_init(&r);
	rec_i64(&r, 7);
	struct desc_event evs[2] = {
		{ .kind = DESC_EV_EXIT },
		{ .kind = DESC_EV_PRINTF, .fmt = "x=%d\n", .args = r.args, .nargs = 1 },
	};
	struct desc d = { .events = evs, .nevents = 2 };
	s = cap_new(&c, OUT_TEXT);
	out_sink_set_desc(s, &d);
	out_printf(s, &evs[1], r.b);
	out_printf(s, &evs[1], r.b);
	check_free("printf with cached formats", cap_take(&c, false), "x=7\nx=7\n");
}

/* ---- bucket indexes ------------------------------------------------------------ */

/* [ref 2.2]: 0 negative, 1 is 0, 2 is 1, then [2^(i-2), 2^(i-1)); lhist
 * 0 below min, overflow last (codegen_llvm.cpp createLinearFunction) */
static void case_buckets(void)
{
	check_int("hist(-1)", (long long)out_hist_bucket(-1, 0), 0);
	check_int("hist(INT64_MIN)", (long long)out_hist_bucket(INT64_MIN, 0), 0);
	check_int("hist(0)", (long long)out_hist_bucket(0, 0), 1);
	check_int("hist(1)", (long long)out_hist_bucket(1, 0), 2);
	check_int("hist(2)", (long long)out_hist_bucket(2, 0), 3);
	check_int("hist(3)", (long long)out_hist_bucket(3, 0), 3);
	check_int("hist(4)", (long long)out_hist_bucket(4, 0), 4);
	check_int("hist(1023)", (long long)out_hist_bucket(1023, 0), 11);
	check_int("hist(1024)", (long long)out_hist_bucket(1024, 0), 12);
	check_int("hist(INT64_MAX)", (long long)out_hist_bucket(INT64_MAX, 0), 64);
	/* every value lands in [2^(i-2), 2^(i-1)) */
	bool ok = true;
	for (int i = 2; i < 63 && ok; i++) {
		int64_t lo = INT64_C(1) << (i - 2), hi = (INT64_C(1) << (i - 1)) - 1;
		ok = out_hist_bucket(lo, 0) == (uint64_t)i && out_hist_bucket(hi, 0) == (uint64_t)i;
	}
	check_int("hist: powers of two", ok, 1);
	/* upstream createLog2Function: 1 + concat(top bit position - k, the k
	 * bits after it): 225 with k = 2 is 28 (its example) */
	check_int("hist(225, 2)", (long long)out_hist_bucket(225, 2), 28);
	check_int("hist(3, 2)", (long long)out_hist_bucket(3, 2), 4);
	check_int("hist(4, 2)", (long long)out_hist_bucket(4, 2), 5);
	check_int("hist(8, 2)", (long long)out_hist_bucket(8, 2), 9);
	check_int("hist(10, 2)", (long long)out_hist_bucket(10, 2), 10);
	check_int("hist(INT64_MAX, 5)", (long long)out_hist_bucket(INT64_MAX, 5), 1888);

	check_int("lhist(3,0,10,1)", (long long)out_lhist_bucket(3, 0, 10, 1), 4);
	check_int("lhist(-5,0,100,10)", (long long)out_lhist_bucket(-5, 0, 100, 10), 0);
	check_int("lhist(5,0,100,10)", (long long)out_lhist_bucket(5, 0, 100, 10), 1);
	check_int("lhist(55,0,100,10)", (long long)out_lhist_bucket(55, 0, 100, 10), 6);
	check_int("lhist(99,0,100,10)", (long long)out_lhist_bucket(99, 0, 100, 10), 10);
	check_int("lhist(100,0,100,10)", (long long)out_lhist_bucket(100, 0, 100, 10), 11);
	check_int("lhist(200,0,100,10)", (long long)out_lhist_bucket(200, 0, 100, 10), 11);
	check_int("lhist(-5,-10,10,5)", (long long)out_lhist_bucket(-5, -10, 10, 5), 2);
}

/* ---- types.c ------------------------------------------------------------------ */

static void case_types(void)
{
	const struct ty *tt = tuple(2, I64, str_t(16));
	check("ty_name int64", ty_name(A, I64), "int64");
	check("ty_name uint32", ty_name(A, ty_int(4, false)), "uint32");
	check("ty_name string", ty_name(A, str_t(16)), "string[16]");
	check("ty_name tuple", ty_name(A, tt), "(int64,string[16])");
	struct ty *task = ty_new(A, TY_RECORD);
	task->name = "task_struct";
	check("ty_name struct pointer", ty_name(A, ty_ptr(A, task, TY_AS_KERNEL)),
	      "struct task_struct *");
	check("ty_name count", ty_name(A, agg(TY_AGG_COUNT, NULL)), "count");
	check("ty_name bool", ty_name(A, ty_bool()), "bool");
	check("ty_name ksym", ty_name(A, ty_new(A, TY_KSYM)), "ksym");
	check_int("tuple layout: padding", tt->fields[1].offset, 8);
	check_int("tuple layout: size", ty_size(tuple(2, str_t(3), I64)), 16);
	check_int("tuple layout: packed bytes", ty_size(tuple(2, ty_int(1, true), ty_int(2, true))), 4);
	check_int("ty_equal tuples", ty_equal(tt, tuple(2, I64, str_t(16))), 1);
	check_int("ty_equal strings differ", ty_equal(str_t(4), str_t(5)), 0);
	check_int("ty_field", ty_field(tt, "1") == &tt->fields[1], 1);
}

int main(void)
{
	A = arena_new();
	case_capture();
	case_hist();
	case_lhist();
	case_value_maps();
	case_order();
	case_values();
	case_stack();
	case_printf();
	case_fmt_check();
	case_events();
	case_buckets();
	case_types();
	printf("1..%d\n", ntests);
	arena_free(A);
	return nfailed ? 1 : 0;
}
