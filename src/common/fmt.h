/* fmt: printf formats (printf, system, cat): their grammar and the check of arguments against them. */
#ifndef HAWK_FMT_H
#define HAWK_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "common/types.h"

/* Shared by the semantic pass, which checks a format against its arguments'
 * types, and the printers (output/), which format a record with it. */

/* What a conversion prints. bpftrace's grammar: %[-][+][ ][#][0][width|*]
 * [.prec|.*][hlLjzt...](d i o u x X e E f F g G a A c s p n % gr r rh rx),
 * flags only in that order; anything else after '%' stays literal text.
 * A '*' width or precision is accepted and ignored: it takes no argument. */
enum fmt_conv {
	FMT_CONV_SIGNED,     /* d i */
	FMT_CONV_UNSIGNED,   /* u o x X */
	FMT_CONV_CHAR,       /* c */
	FMT_CONV_STRING,     /* s: any value, as print() shows it */
	FMT_CONV_POINTER,    /* p */
	FMT_CONV_BUFFER,     /* r rx rh */
	FMT_CONV_FLOAT,      /* e E f F g G a A: parsed, rejected by the checker */
	FMT_CONV_GFP,        /* gr: an integer as the kernel's GFP flag names */
	FMT_CONV_OTHER,      /* n: parsed, rejected by the checker */
};

enum {
	FMT_FLAG_LEFT = 1, FMT_FLAG_PLUS = 2, FMT_FLAG_SPACE = 4, FMT_FLAG_ALT = 8,
	FMT_FLAG_ZERO = 16,
};

struct fmt_spec {
	enum fmt_conv conv;
	char letters[3];           /* the conversion as written: "d", "rx" */
	char length[5];            /* the length modifier as written: "", "ll" */
	uint8_t flags;             /* FMT_FLAG_* */
	int width;                 /* 0 when absent */
	int precision;             /* -1 when absent */
};

/* A parsed format: fragment 0, spec 0, fragment 1, ..., spec n-1, fragment n.
 * "%%" is already a plain '%' inside a fragment. */
struct fmt {
	char *text;                /* the fragments, each NUL-terminated */
	uint32_t *frag;            /* nspecs + 1 offsets into text */
	struct fmt_spec *specs;
	uint32_t nspecs;
};

/* Never fails: text that is not a conversion is literal, as in bpftrace. */
void fmt_parse(const char *fmt, struct fmt *res);
void fmt_fini(struct fmt *f);

/* The compile-time check the semantic pass runs for printf/system/cat: argument count,
 * then each argument's type against its conversion. Returns 0, or -1 with
 * a message for the caller to prefix with the function's name ("printf: "):
 *   Not enough arguments for format string (0 supplied, 1 expected)
 *   Too many arguments for format string (2 supplied, 1 expected)
 *   unsupported format specifier: f
 *   unsupported format specifier for type 'string[4]': d
 *   unable to print none type for specifier: d */
int fmt_check(const struct fmt *f, const struct ty *const *args, uint32_t nargs,
		  char *err, size_t errlen);

#endif
