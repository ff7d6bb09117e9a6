/* types: the types of hawk values, shared by the semantic passes, codegen and the runtime's printers. */
#ifndef HAWK_TYPES_H
#define HAWK_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/arena.h"

/* A type is plain data: it holds no pointer into the tree, so the runtime can
 * print values from the description (common/desc.h) without the tree, and an
 * ahead-of-time artifact can serialise it. Types are allocated from an arena
 * and never freed alone; ty_int() and the other singletons are static. */

enum ty_kind {
	TY_NONE,       /* not inferred yet, or the poison left by an error */
	TY_VOID,
	TY_INT,        /* size 1, 2, 4 or 8; is_signed */
	TY_BOOL,       /* stored as one byte; printed true/false */
	TY_STRING,     /* NUL-terminated, `size` bytes of capacity */
	TY_BUFFER,     /* buf(): u32 length then `size - 4` bytes */
	TY_PTR,        /* elem; addrspace says which probe_read to use */
	TY_ARRAY,      /* elem x count */
	TY_RECORD,     /* C struct/union, tracepoint args, or a (name = v) record */
	TY_TUPLE,      /* fields named "0", "1", ... laid out like a C struct */
	TY_STACK,      /* kstack/ustack: an id into a stack map plus pid; `stack` says how */
	TY_KSYM,       /* kernel address printed as a symbol */
	TY_USYM,       /* user address printed as a symbol (with pid) */
	TY_USERNAME,   /* uid printed as a user name */
	TY_INET,       /* ntop(): family + 16 bytes */
	TY_TIMESTAMP,  /* strftime(): format id + ns */
	TY_CGROUP_PATH,
	TY_MACADDR,    /* macaddr(): 6 bytes printed as aa:bb:cc:dd:ee:ff */
	TY_ERRNO,      /* strerror(): an errno value printed as its message */
	TY_AGG,        /* the value of an aggregation map entry: see `agg` */
	TY_MAP,        /* a whole map used as a value: print(@m), clear(@m) */
	TY__COUNT
};

enum ty_agg {
	TY_AGG_NONE,
	TY_AGG_COUNT, TY_AGG_SUM, TY_AGG_MIN, TY_AGG_MAX, TY_AGG_AVG, TY_AGG_STATS,
	TY_AGG_HIST, TY_AGG_LHIST, TY_AGG_TSERIES,
};

/* How tseries() folds the values that fall in one interval: the last one
 * (the default), their average, maximum, minimum or sum. */
enum ty_tseries_fn { TY_TS_LAST, TY_TS_AVG, TY_TS_MAX, TY_TS_MIN, TY_TS_SUM };

enum ty_addrspace { TY_AS_NONE, TY_AS_KERNEL, TY_AS_USER };

struct ty;

struct ty_field {
	const char *name;
	uint32_t offset;          /* bytes from the start of the record */
	uint16_t bit_offset;      /* bitfields: bit offset within the unit, and width */
	uint16_t bits;            /* 0 for an ordinary field */
	struct ty *type;
};

/* An enum's constant: an enum-typed integer prints as its name (current
 * bpftrace), when it has one. */
struct ty_enumerator {
	const char *name;
	int64_t value;
};

struct ty {
	enum ty_kind kind;
	uint32_t size;            /* bytes in BPF memory */
	uint32_t align;
	bool is_signed;           /* TY_INT */
	bool is_union;            /* TY_RECORD */
	bool complete;            /* TY_RECORD from BTF: nested records' fields read too */
	bool ctx;                 /* points into the probe context (tracepoint args) */
	enum ty_addrspace as;     /* TY_PTR, TY_STRING read from memory */
	bool whole;               /* TY_STRING: a char[N] of a C definition in the script: full
	                           * without a NUL is its whole text, not cut short (no trailer) */
	const char *name;         /* "task_struct", "_tracepoint_sched_sched_switch", or NULL;
	                           * "float" on the byte array that stands for a C float */
	struct ty *elem;          /* TY_PTR, TY_ARRAY */
	uint32_t count;           /* TY_ARRAY elements; TY_RECORD/TY_TUPLE fields */
	struct ty_field *fields;  /* TY_RECORD, TY_TUPLE */
	uint32_t btf_id;          /* kernel type this came from, 0 if none */
	enum ty_agg agg;          /* TY_AGG */
	struct ty *agg_arg;       /* TY_AGG: the type of the aggregated value (for min/max sign) */
	int64_t lhist_min, lhist_max, lhist_step;  /* TY_AGG_LHIST; TY_AGG_TSERIES: lhist_step is
	                           * the interval in ns, lhist_max the intervals kept,
	                           * lhist_min the fold (enum ty_tseries_fn); the same
	                           * three fields, so artifacts carry them unchanged */
	uint32_t hist_bits;       /* TY_AGG_HIST: log2 sub-buckets, 0..5 */
	bool stack_user;          /* TY_STACK: ustack */
	uint8_t stack_mode;       /* TY_STACK: 0 bpftrace, 1 perf, 2 raw */
	uint32_t stack_limit;     /* TY_STACK: frames */
	const struct ty_enumerator *enums;  /* TY_INT of an enum type: its constants */
	uint32_t nenums;
};

/* Singletons for the scalar types. */
const struct ty *ty_none(void);
const struct ty *ty_void(void);
const struct ty *ty_bool(void);
const struct ty *ty_int(unsigned bytes, bool is_signed);   /* 1, 2, 4, 8 */

struct ty *ty_new(struct arena *a, enum ty_kind k);
struct ty *ty_string(struct arena *a, uint32_t capacity);
struct ty *ty_ptr(struct arena *a, const struct ty *elem, enum ty_addrspace as);
struct ty *ty_array(struct arena *a, const struct ty *elem, uint32_t count);
/* A tuple of n element types laid out with C alignment. */
struct ty *ty_tuple(struct arena *a, const struct ty *const *elems, uint32_t n);
struct ty *ty_agg(struct arena *a, enum ty_agg agg, const struct ty *arg);
/* An integer of an enum type named `name` (NULL: anonymous); enumerators
 * are added by the caller. */
struct ty *ty_enum(struct arena *a, unsigned bytes, bool is_signed, const char *name);
/* An integer as a variable or map holds it: 8 bytes, keeping its enum. */
const struct ty *ty_widen(struct arena *a, const struct ty *t);
/* The name of enum type t's constant with value v, or NULL. */
const char *ty_enum_name(const struct ty *t, int64_t v);

bool ty_is_int(const struct ty *t);          /* TY_INT or TY_BOOL */
bool ty_equal(const struct ty *a, const struct ty *b);
const struct ty_field *ty_field(const struct ty *record, const char *name);

/* The type as a user reads it in errors: "int64", "string[16]",
 * "struct task_struct *", "(int64,string[16])", "count". Arena-allocated. */
const char *ty_name(struct arena *a, const struct ty *t);

/* -d types: one line for a type, used by the typed tree dump. */
void ty_print(FILE *out, const struct ty *t);

/* Bytes a value of this type takes in a map key or event record. */
uint32_t ty_size(const struct ty *t);

#endif
