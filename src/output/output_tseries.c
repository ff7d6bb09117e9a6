/* output_tseries: tseries() maps as current bpftrace shows them: one row per interval, text graph or JSON. */
#include "output/output_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One interval slot of one key, its CPUs' copies folded. */
struct slot {
	const uint8_t *key;
	size_t idx;                  /* input order: the sort is stable */
	uint64_t epoch;
	uint64_t value;
};

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The CPUs' copies of one slot ({value, meta, epoch} each, codegen's
 * layout): only the newest epoch counts, and its copies fold as the probe
 * folds values. A copy with epoch 0 was never written (upstream skips it
 * too); a slot no CPU wrote reads as epoch 0, value 0. */
static void fold_slot(const struct ty *vt, const uint8_t *values, uint32_t nvalues, uint32_t stride,
		      struct slot *r)
{
	enum ty_tseries_fn fold = (enum ty_tseries_fn)vt->lhist_min;
	bool sgn = vt->is_signed, any = false;
	uint64_t epoch = 0, value = 0, meta = 0;
	for (uint32_t c = 0; c < nvalues; c++)
		if (rd64(values + (size_t)c * stride + 16) > epoch)
			epoch = rd64(values + (size_t)c * stride + 16);
	for (uint32_t c = 0; epoch && c < nvalues; c++) {
		const uint8_t *p = values + (size_t)c * stride;
		if (rd64(p + 16) != epoch)
			continue;
		uint64_t v = rd64(p), m = rd64(p + 8);
		if (!any) {
			value = v, meta = m, any = true;
			continue;
		}
		switch (fold) {
		case TY_TS_LAST:
			if (m > meta)       /* meta is the time it was written */
				value = v, meta = m;
			break;
		case TY_TS_AVG:
			value += v, meta += m;
			break;
		case TY_TS_SUM:
			value += v;
			break;
		case TY_TS_MIN: case TY_TS_MAX: {
			bool less = sgn ? (int64_t)v < (int64_t)value : v < value;
			if (fold == TY_TS_MIN ? less : !less && v != value)
				value = v;
			break;
		}
		}
	}
	if (fold == TY_TS_AVG && meta)
		value = sgn ? (uint64_t)((int64_t)value / (int64_t)meta) : value / meta;
	r->epoch = epoch;
	r->value = value;
}

static int cmp_slot(const void *pa, const void *pb, void *arg)
{
	const struct slot *a = pa, *b = pb;
	uint32_t uk = *(const uint32_t *)arg;
	int c = uk ? memcmp(a->key, b->key, uk) : 0;
	return c ? c : a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* One series: a row per interval from the key's first one in the window to
 * the newest of the whole map; `have` false for an interval with no value. */
struct row {
	uint64_t ns;                 /* the interval's start, ns since the epoch */
	bool have;
	uint64_t value;
};

static void put_num(struct out_buf *b, uint64_t v, bool sgn)
{
	if (sgn)
		out_buf_printf(b, "%" PRId64, (int64_t)v);
	else
		out_buf_printf(b, "%" PRIu64, v);
}

static void put_json_point(struct out_buf *b, const struct row *r, bool sgn)
{
	/* UTC with nanoseconds, as a C++ system_clock time prints */
	time_t sec = (time_t)(r->ns / 1000000000);
	struct tm tm;
	char when[64];
	gmtime_r(&sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	out_buf_printf(b, "{\"interval_start\": \"%s.%09" PRIu64 "\", \"value\": ", when, r->ns % 1000000000);
	if (sgn)
		out_json_i64(b, (int64_t)r->value);
	else
		out_json_u64(b, r->value);
	out_buf_putc(b, '}');
}

static void json_series(struct out_buf *b, const struct row *rows, size_t n, bool sgn)
{
	bool first = true;
	out_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].have)
			continue;
		if (!first)
			out_buf_puts(b, ", ");
		first = false;
		put_json_point(b, &rows[i], sgn);
	}
	out_buf_putc(b, ']');
}

/* The graph: 53 columns between the bounds, a '.' for zero when the range
 * crosses it, a '*' per value; times in local time, with the fraction the
 * interval needs (bpftrace's layout, float arithmetic included). */
enum { GRAPH = 53, PAD = 21 };

static void text_series(struct out_buf *b, const struct row *rows, size_t n, bool sgn)
{
	size_t nv = 0;
	int64_t lo = 0, hi = 0;             /* compared as the values' sign says */
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].have)
			continue;
		int64_t v = (int64_t)rows[i].value;
		bool less = sgn ? v < lo : (uint64_t)v < (uint64_t)lo;
		bool more = sgn ? v > hi : (uint64_t)v > (uint64_t)hi;
		if (!nv++ || less)
			lo = v;
		if (nv == 1 || more)
			hi = v;
	}
	if (!nv) {
		out_buf_puts(b, "<no data>\n");
		return;
	}
	if (lo == hi) {
		/* room on both sides, short of the type's ends */
		if (sgn ? lo != INT64_MIN : (uint64_t)lo != 0)
			lo--;
		if (sgn ? hi != INT64_MAX : (uint64_t)hi != UINT64_MAX)
			hi++;
	}
	uint64_t step = n > 1 ? (rows[n - 1].ns - rows[0].ns) / (n - 1) : 0;
	unsigned digits = step >= 1000000000 ? 0 : step >= 1000000 ? 3 : step >= 1000 ? 6 : 9;
	const char *fmt = digits == 0 ? "hh:mm:ss" : digits == 3 ? "hh:mm:ss.ms" : digits == 6 ? "hh:mm:ss.\u03bcs"
							 : "hh:mm:ss.ns";
	int tw = 8 + (digits ? 1 + (int)digits : 0);
	char slo[32], shi[32];
	snprintf(slo, sizeof slo, sgn ? "%" PRId64 : "%" PRIu64, lo);
	snprintf(shi, sizeof shi, sgn ? "%" PRId64 : "%" PRIu64, hi);
	out_buf_printf(b, "%*s%-*s%*s\n", tw + 1, "", PAD, slo, GRAPH - PAD, shi);
	out_buf_printf(b, "%-*s|", tw + 1, fmt);
	for (int i = 0; i < GRAPH - 2; i++)
		out_buf_putc(b, '_');
	out_buf_puts(b, "|\n");
	/* distances as bpftrace takes them: int64 differences */
	float span = (float)(lo - hi);
	int zero = 0;
	if (sgn && lo < 0 && hi > 0)
		zero = (int)((float)GRAPH * (float)lo / span);
	for (size_t i = 0; i < n; i++) {
		char line[GRAPH + 1], when[32];
		memset(line, ' ', GRAPH);
		line[GRAPH] = 0;
		line[0] = '|';
		line[GRAPH - 1] = '|';
		if (zero > 0)
			line[zero] = '.';
		time_t sec = (time_t)(rows[i].ns / 1000000000);
		uint64_t frac = rows[i].ns % 1000000000;
		struct tm tm;
		localtime_r(&sec, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		out_buf_puts(b, when);
		if (digits)
			out_buf_printf(b, ".%0*" PRIu64, (int)digits,
				       digits == 3 ? frac / 1000000 : digits == 6 ? frac / 1000 : frac);
		out_buf_putc(b, ' ');
		if (!rows[i].have) {
			out_buf_puts(b, line);
			out_buf_puts(b, " -\n");
			continue;
		}
		int at = GRAPH / 2;
		if (lo != hi)
			at = (int)((float)(GRAPH - 1) * (float)(lo - (int64_t)rows[i].value) / span);
		line[at < 0 ? 0 : at > GRAPH - 1 ? GRAPH - 1 : at] = '*';
		out_buf_puts(b, line);
		out_buf_putc(b, ' ');
		put_num(b, rows[i].value, sgn);
		out_buf_putc(b, '\n');
	}
	out_buf_printf(b, "%*s v", tw, "");
	for (int i = 0; i < GRAPH - 2; i++)
		out_buf_putc(b, '_');
	out_buf_puts(b, "v\n");
	out_buf_printf(b, "%*s %-*s%*s\n", tw, "", PAD, slo, GRAPH - PAD, shi);
}

void out_tseries_print(struct out_sink *s, struct out_buf *b, const struct desc_map *m,
		       const uint8_t *const *keys, const uint8_t *const *values, size_t n,
		       uint32_t nvalues, uint32_t stride)
{
	const struct ty *vt = m->value;
	bool json = s->mode == OUT_JSON, sgn = vt->is_signed, keyed = !m->scalar;
	uint32_t uk = m->key_size >= 8 ? m->key_size - 8 : 0;
	uint64_t count = (uint64_t)vt->lhist_max, interval = (uint64_t)vt->lhist_step;
	if (!n)
		return;
	struct slot *sl = xcalloc(n, sizeof(*sl));
	uint64_t last = 0;
	for (size_t i = 0; i < n; i++) {
		sl[i] = (struct slot){ .key = keys[i], .idx = i };
		fold_slot(vt, values[i], nvalues, stride, &sl[i]);
		if (sl[i].epoch > last)
			last = sl[i].epoch;
	}
	qsort_r(sl, n, sizeof(*sl), cmp_slot, &uk);
	/* the window: the newest interval of the whole map and the count-1
	 * before it (wrapping past zero leaves it empty, as upstream's does) */
	uint64_t first = last - count + 1;
	struct row *rows = xcalloc(count, sizeof(*rows));
	if (json) {
		out_buf_puts(b, "{\"type\": \"tseries\", \"data\": {");
		out_json_str(b, m->name, strlen(m->name));
		out_buf_puts(b, keyed ? ": {" : ": ");
	}
	for (size_t i = 0, g = 0; i < n; g++) {
		size_t j = i;
		while (j < n && !memcmp(sl[j].key, sl[i].key, uk))
			j++;
		uint64_t from = last;
		for (size_t q = i; q < j; q++)
			if (sl[q].epoch >= first && sl[q].epoch < from)
				from = sl[q].epoch;
		size_t nr = 0;
		for (uint64_t e = first; first <= last && e >= first && e <= last; e++) {
			if (e >= from) {
				rows[nr] = (struct row){ .ns = e * interval };
				for (size_t q = i; q < j; q++)
					if (sl[q].epoch == e) {
						rows[nr].have = true;
						rows[nr].value = sl[q].value;
						break;
					}
				nr++;
			}
			if (e == UINT64_MAX)
				break;
		}
		if (json) {
			if (keyed) {
				if (g)
					out_buf_puts(b, ", ");
				out_put_map_key(s, b, m, sl[i].key, true);
				out_buf_puts(b, ": ");
			}
			json_series(b, rows, nr, sgn);
		} else {
			out_buf_puts(b, m->name);
			if (keyed) {
				out_buf_putc(b, '[');
				out_put_map_key(s, b, m, sl[i].key, false);
				out_buf_putc(b, ']');
			}
			out_buf_puts(b, ":\n");
			text_series(b, rows, nr, sgn);
			if (nr)
				out_buf_putc(b, '\n');
		}
		i = j;
		if (!keyed)
			break;           /* a scalar map has one series */
	}
	if (json)
		out_buf_puts(b, keyed ? "}}}\n" : "}}\n");
	free(rows);
	free(sl);
}
