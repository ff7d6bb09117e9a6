/* cpp: a small C preprocessor of our own (no libclang): #include, #define, conditionals, macro expansion. */
#ifndef HAWK_CPP_H
#define HAWK_CPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/diag.h"

/* Ownership: a struct cpp, its macros and every token live in the arena it
 * was made with. Token text points into arena copies of the files read. */

enum cpp_tk { CPP_EOF, CPP_IDENT, CPP_NUM, CPP_STR, CPP_CHAR, CPP_PUNCT };

struct cpp_tok {
	uint8_t kind;            /* enum cpp_tk */
	bool space;              /* whitespace before it (for # stringizing) */
	bool noexpand;           /* a macro's own name met inside its expansion */
	const void *hide;        /* the macros it came out of (cpp.c) */
	bool sys;                /* from a header, not from the script */
	uint32_t len;
	const char *s;           /* not NUL-terminated */
	struct span at;          /* the script place; for header tokens, the #include */
};

struct cpp_toks {
	struct cpp_tok *v;
	size_t n, cap;
};

struct cpp;

/* dirs: the -I directories, searched before the system ones. script_dir:
 * where "..." includes of the script are looked up first (NULL: cwd). */
struct cpp *cpp_new(struct arena *a, struct diag *d, const char *const *dirs, unsigned ndirs,
		    const char *script_dir);
/* #define name value, as the command line's -D would. */
void cpp_predefine(struct cpp *p, const char *name, const char *value);
/* One piece of the script's C text (a directive line or a struct/union/enum
 * definition) at `at`, in program order. Returns the errors reported. */
unsigned cpp_script(struct cpp *p, const char *text, size_t len, struct span at);
/* --include FILE: read as if the script began with #include "FILE". */
unsigned cpp_force_include(struct cpp *p, const char *path);
/* After the last piece: an unterminated #if is an error. */
unsigned cpp_finish(struct cpp *p);

/* The C tokens that survived the conditionals, macros expanded. */
const struct cpp_toks *cpp_output(const struct cpp *p);

/* Identifier values for #if and for macro bodies the script reads: enum
 * constants, which the preprocessor alone does not know. */
typedef bool (*cpp_ident_fn)(void *ud, const char *name, int64_t *v);
void cpp_set_ident(struct cpp *p, cpp_ident_fn fn, void *ud);

/* A name the script uses: is it a macro, and what is its value? An
 * object-like macro, or a function-like one called with integer args.
 * Returns 1 and sets *v (integer) or *str and *len (string literal), 0 when
 * `name` is no macro, -1 when it is one whose body is not a constant. */
int cpp_macro_value(struct cpp *p, const char *name, const int64_t *args, int nargs, bool call,
		    int64_t *v, const char **str, uint32_t *len);
bool cpp_is_macro(struct cpp *p, const char *name);

/* Integer constant expression over tokens [i, n): C's operators, integer
 * and character literals, identifiers through the ident callback (else 0
 * when zero_unknown). Returns false when it is not one. Used by cdecl for
 * array sizes, enum values and bitfield widths too. */
bool cpp_eval(struct cpp *p, const struct cpp_tok *t, size_t n, bool zero_unknown, int64_t *out);

/* Token text compare. */
static inline bool cpp_is(const struct cpp_tok *t, const char *s)
{
	size_t i = 0;
	for (; i < t->len; i++)
		if (s[i] != t->s[i])
			return false;
	return s[i] == '\0';
}

#endif
