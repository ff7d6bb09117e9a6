/* cdefs: a program's C namespace: macros, struct/union/enum tags, typedefs and enum constants, from the script and its headers. */
#ifndef HAWK_CDEFS_H
#define HAWK_CDEFS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/diag.h"
#include "ast/cpp.h"
#include "ast/pass.h"
#include "common/types.h"

/* Ownership: everything lives in the compilation's arena. Script and header
 * definitions come first; vmlinux BTF answers what they do not define. */

enum cdefs_kind { CDEFS_STRUCT, CDEFS_UNION, CDEFS_ENUM, CDEFS_TYPEDEF, CDEFS_CONST };

struct cdefs_entry {
	const char *name;
	enum cdefs_kind kind;
	struct ty *type;          /* tags and typedefs; the enum's type for constants */
	int64_t value;            /* CDEFS_CONST */
	bool defined;             /* tags: a body was seen (else a forward declaration) */
	struct cdefs_entry *next;
};

#define CDEFS_NHASH 1024      /* first size of the table; it doubles past 2 per bucket */

struct cdefs {
	struct arena *a;
	struct diag *d;
	struct cpp *cpp;
	struct cdefs_entry **hash;    /* chains; nhash buckets, a power of two (0: empty) */
	unsigned nhash, n;
	unsigned errors;
};

/* The pass: reads the script's #include/#define lines and C definitions
 * (and --include files) into ctx->cdefs. */
unsigned cdefs_pass(struct pass_ctx *ctx);

/* Parse the preprocessed tokens: struct/union/enum definitions and
 * typedefs (cdecl.c). Errors are reported for script tokens only; a header
 * declaration hawk cannot read is skipped. */
unsigned cdecl_parse(struct cdefs *c, const struct cpp_toks *toks);

struct cdefs_entry *cdefs_find(struct cdefs *c, const char *name, enum cdefs_kind kind);
struct cdefs_entry *cdefs_add(struct cdefs *c, const char *name, enum cdefs_kind kind);

/* struct/union NAME: the script's or a header's definition, else BTF's;
 * NULL when neither has it. */
const struct ty *cdefs_record(struct cdefs *c, const char *name, bool is_union);
/* A typedef name: the script's or a header's, else a kernel one from BTF. */
const struct ty *cdefs_typedef(struct cdefs *c, const char *name);
/* A bare name's constant value: a macro, an enum constant of the script or
 * its headers, an enum constant of the kernel's BTF, or one of the
 * well-known kernel #defines (cdefs.c). 1: an integer in *v; 2: a string
 * in *s and *len; 0: unknown; -1: a macro that is not a constant. */
int cdefs_ident(struct cdefs *c, const char *name, int64_t *v, const char **s, uint32_t *len);
/* The enum type of constant `name` (script, header or BTF), or NULL. */
const struct ty *cdefs_const_type(struct cdefs *c, const char *name);
/* enum NAME: the script's or a header's, else BTF's with its constants. */
const struct ty *cdefs_enum(struct cdefs *c, const char *name);

#endif
