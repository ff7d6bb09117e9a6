/* output_impl: what output.c, output_fmt.c and output_map.c share: the sink, a string builder, value formatting. */
#ifndef HAWK_RT_OUTPUT_IMPL_H
#define HAWK_RT_OUTPUT_IMPL_H

#include "output/output.h"

/* A growable byte string; every event is built in one and written with one
 * fwrite, so lines from one event never interleave with another's. */
struct out_buf {
	char *p;
	size_t len, cap;
};

void out_buf_put(struct out_buf *b, const void *s, size_t n);
void out_buf_puts(struct out_buf *b, const char *s);
void out_buf_putc(struct out_buf *b, char c);
void out_buf_printf(struct out_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_buf_fini(struct out_buf *b);

struct out_sink {
	FILE *out, *err;
	enum out_mode mode;
	const struct desc *desc;
	struct fmt *fmts;        /* one per desc event; unused ones empty */
	out_stack_fn stack;
	void *stack_ctx;
	out_usym_fn usym;
	void *usym_ctx;
	out_usrc_fn usrc;
	void *usrc_ctx;
	out_ubuildid_fn ubuildid;
	void *ubuildid_ctx;
	int64_t boot_ns;             /* CLOCK_REALTIME - CLOCK_BOOTTIME, once */
	bool boot_known;
	FILE *flame;                 /* --flamegraph FILE, or NULL */
	struct fnode *flame_root;    /* the stacks seen so far (output_flame.c) */
	struct out_buf line;         /* a printf's text, reused by every event (output_fmt.c) */
};

/* --flamegraph: one map entry's folded frames and its count, added to the graph. */
void out_flame_add(struct out_sink *s, const char *frames, size_t len, uint64_t count);
void out_flame_free(struct out_sink *s);

/* A value in text (as print() shows it inside a line) or JSON form. `div`
 * divides integers (print(@m, top, div) reaches into tuples, as upstream). */
void out_put_value(struct out_sink *s, struct out_buf *b, const struct ty *t, const void *v,
		   bool json, uint64_t div);

/* Folded stacks: whether a map key holds a kstack or ustack, and the key as
 * one folded line's frames: a tuple's fields last to first, each stack root
 * first, frames by name without offsets, joined by ';'. */
bool out_ty_has_stack(const struct ty *t);
void out_put_folded(struct out_sink *s, struct out_buf *b, const struct ty *t, const void *v);

/* JSON strings and numbers: integers that a double cannot hold exactly are
 * emitted as strings (RFC 8259; upstream does the same). */
void out_json_str(struct out_buf *b, const char *s, size_t n);
void out_json_u64(struct out_buf *b, uint64_t v);
void out_json_i64(struct out_buf *b, int64_t v);

/* Bytes of a buffer: printable ASCII kept or not, others \xNN or "NN ". */
void out_put_hex(struct out_buf *b, const uint8_t *p, size_t n, bool keep_ascii,
		 bool escape_hex);

/* An aggregation's per-CPU blobs combined (layouts in common/desc.h):
 * count/sum the total, min/max over the CPUs that have a value, avg the
 * average; stats fills all three. Signedness from t->is_signed. */
struct out_agg {
	bool is_signed;
	uint64_t count;              /* avg/stats: number of values */
	uint64_t total;              /* avg/stats: their sum; also count/sum */
	uint64_t value;              /* count/sum/min/max: the result; avg: average */
};
void out_agg_combine(const struct ty *t, const uint8_t *values, uint32_t nvalues,
		     uint32_t stride, struct out_agg *res);
/* An aggregation value as print() shows it, divided by div. */
void out_put_agg(struct out_buf *b, const struct ty *t, const struct out_agg *a, bool json,
		 uint64_t div);

/* A map key as `@m[...]` shows it (a tuple without its parentheses), or as
 * a JSON object's key. */
void out_put_map_key(struct out_sink *s, struct out_buf *b, const struct desc_map *m, const uint8_t *key,
		     bool json);
/* output_tseries.c: a tseries() map's entries (user key + slot, per-CPU
 * values) as bpftrace prints them, text or JSON. */
void out_tseries_print(struct out_sink *s, struct out_buf *b, const struct desc_map *m,
		       const uint8_t *const *keys, const uint8_t *const *values, size_t n,
		       uint32_t nvalues, uint32_t stride);

/* %gr: GFP flags as their names (output_gfp.c). */
void out_put_gfp(struct out_buf *b, uint64_t flags);

/* Writes b to the sink's output in one go and empties it. */
void out_flush_buf(struct out_sink *s, struct out_buf *b);

#endif
