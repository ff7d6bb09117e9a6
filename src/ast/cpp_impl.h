/* cpp_impl: what the preprocessor's files share (cpp.c: tokens and macros, cpp_eval.c: #if
 * arithmetic, cpp_file.c: directives, headers and the search path). */
#ifndef HAWK_CPP_IMPL_H
#define HAWK_CPP_IMPL_H

#include "ast/cpp.h"

/* The macros a token came out of: it is not expanded again inside them
 * (C11 6.10.3.4), which also stops `#define x x` from looping. */
struct hideset {
	const struct cpp_macro *m;
	const struct hideset *next;
	unsigned len;              /* macros in the set: the expansion's nesting */
};

struct cpp_macro {
	const char *name;
	bool fn, variadic;
	unsigned nparams;
	const char **params;       /* __VA_ARGS__ last when variadic */
	struct cpp_tok *body;
	unsigned nbody;
	struct cpp_macro *next;    /* hash chain */
};

struct cond {
	bool parent;               /* the enclosing region is active */
	bool active, taken, seen_else;
	struct span at;
};

#define NHASH 1024          /* first size of the macro table; it doubles past 2 per bucket */
#define MAX_INCLUDE_DEPTH 64
#define MAX_COND 256
/* Macros expanding into macros, this deep at most: the hideset is a list, so a
 * chain of 100,000 #defines each naming the next cost quadratic time (minutes). */
#define MAX_EXPANSION_DEPTH 256

struct cpp {
	struct arena *a;
	struct diag *d;
	struct cpp_macro **hash;   /* chains; nhash buckets, a power of two */
	unsigned nhash, nmacros;
	bool told_too_deep;        /* said once: the passes may expand one macro several times */
	const char **dirs;         /* search list for <...>: -I, then the system's */
	unsigned ndirs, nuser;
	const char *script_dir;
	struct cpp_toks out;
	struct cond cond[MAX_COND];
	int ncond;
	int depth;
	unsigned errors;
	cpp_ident_fn ident;
	void *ident_ud;
};

void cpp_toks_push(struct cpp *p, struct cpp_toks *l, struct cpp_tok t);
/* Tokens of `s`: script text (sys false) gets a span per token from `at`;
 * header text shares `at`, the #include it came through. */
void cpp_tokenize(struct cpp *p, const char *s, size_t n, struct span at, bool sys, struct cpp_toks *out);
struct cpp_macro *cpp_macro_find(struct cpp *p, const char *s, size_t n);
void cpp_macro_undef(struct cpp *p, const char *s, size_t n);
/* #define NAME[(params)] body: the tokens after the directive's name. */
bool cpp_define(struct cpp *p, const struct cpp_tok *t, size_t n);
/* Expands in[0..n) into out, rescanning replacements with what follows. */
void cpp_expand(struct cpp *p, const struct cpp_tok *in, size_t n, struct cpp_toks *out);
/* An error at `at`, reported only for the script's own text (sys false). */
void cpp_err(struct cpp *p, bool sys, struct span at, const char *fmt, const char *arg);

#endif
