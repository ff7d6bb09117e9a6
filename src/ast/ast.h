/* ast: the syntax tree, arena-allocated, one node kind per construct, a span on every node. */
#ifndef HAWK_AST_H
#define HAWK_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/arena.h"
#include "common/diag.h"
#include "common/probetype.h"

/* Ownership: every node, string and list lives in the arena passed to the
 * constructors and dies with it. Lists are chained through `next`; a node is
 * in at most one list. */

enum ast_kind {
	/* top level */
	AST_PROGRAM,
	AST_C_DEF,        /* #include/#define line, struct/union/enum definition */
	AST_CONFIG,       /* config = { name = value; ... } */
	AST_IMPORT,       /* import "path"; */
	AST_MACRO,        /* macro name(params) { body } */
	AST_MAP_DECL,     /* let @m = lruhash(100); */
	AST_PROBE,        /* attach points, predicate, body */
	AST_ATTACH_POINT, /* one probe spec: tracepoint:syscalls:sys_enter_* */
	/* statements */
	AST_BLOCK,        /* { stmts } ; also a block expression's body */
	AST_EXPR_STMT,
	AST_ASSIGN,       /* target op= value; op AST_OP_NONE is plain '=' */
	AST_LET,          /* let $x[: type] [= init]; */
	AST_IF,
	AST_WHILE,
	AST_UNROLL,
	AST_FOR,          /* for ($v : @map) / for ($v : lo..hi) */
	AST_JUMP,         /* break, continue, return [value] */
	/* expressions */
	AST_INT,
	AST_STRING,
	AST_BOOL,
	AST_POSITIONAL,   /* $1 .. $N */
	AST_POSITIONAL_COUNT, /* $# */
	AST_BUILTIN,      /* pid, comm, args, arg0, ... */
	AST_IDENT,        /* a bare identifier: enum value, macro, config value */
	AST_VAR,          /* $x */
	AST_MAP,          /* @m, @m[k], @m[k1, k2] */
	AST_CALL,         /* f(args) */
	AST_UNARY,
	AST_BINARY,
	AST_TERNARY,      /* c ? a : b, and c ?: b (then == NULL) */
	AST_FIELD,        /* e.f, e->f, tuple e.0 */
	AST_INDEX,        /* e[i] */
	AST_CAST,         /* (type) e */
	AST_TUPLE,        /* (a, b), (a,), () */
	AST_RECORD,       /* (name = a, other = b) */
	AST_NAMED,        /* name = value: a record field or a config item */
	AST_SIZEOF,       /* sizeof(type) / sizeof(expr) */
	AST_OFFSETOF,     /* offsetof(type, a.b) */
	AST_RANGE,        /* lo..hi, only in for */
	AST_BLOCK_EXPR,   /* { stmts; value } as an expression */
	AST_TYPE,         /* a written type: int32, struct task_struct *, string[64] */
	AST__COUNT
};

enum ast_op {
	AST_OP_NONE,
	/* binary */
	AST_OP_ADD, AST_OP_SUB, AST_OP_MUL, AST_OP_DIV, AST_OP_MOD,
	AST_OP_BAND, AST_OP_BOR, AST_OP_BXOR, AST_OP_SHL, AST_OP_SHR,
	AST_OP_LAND, AST_OP_LOR,
	AST_OP_EQ, AST_OP_NE, AST_OP_LT, AST_OP_LE, AST_OP_GT, AST_OP_GE,
	/* unary */
	AST_OP_NEG, AST_OP_NOT, AST_OP_BNOT, AST_OP_DEREF, AST_OP_ADDR,
	AST_OP_PREINC, AST_OP_PREDEC, AST_OP_POSTINC, AST_OP_POSTDEC,
	AST_OP__COUNT
};

enum ast_cdef_kind { AST_CDEF_PREPROC, AST_CDEF_STRUCT, AST_CDEF_UNION, AST_CDEF_ENUM };

enum ast_jump { AST_JUMP_BREAK, AST_JUMP_CONTINUE, AST_JUMP_RETURN };

enum ast_type_kind {
	AST_TY_NAMED,  /* int8..uint64, bool, string, buffer, inet, void, or a typedef name */
	AST_TY_STRUCT,
	AST_TY_UNION,
	AST_TY_ENUM,
	AST_TY_TYPEOF, /* typeof(expr) or typeof(type) */
};

/* Integer literal forms, kept so the dump and later warnings can tell them apart. */
enum ast_int_form { AST_INT_DEC, AST_INT_HEX, AST_INT_OCT, AST_INT_SCI, AST_INT_DURATION };

struct ast {
	enum ast_kind kind;
	struct span span;
	struct ast *next;         /* sibling in the list this node belongs to */
	void *type;               /* filled by type checking; NULL before it */
	const struct span *expanded_from;  /* a macro body's copy: the call it replaced */
	union {
		struct { struct ast *items; } program;
		struct { enum ast_cdef_kind kind; const char *name, *text; } cdef;
		struct { struct ast *items; } config;               /* AST_NAMED list */
		struct { const char *path; } import;
		struct { const char *name; struct ast *params, *body; } macro;
		struct { const char *name, *map_type; struct ast *args; } map_decl;
		struct { struct ast *aps, *pred, *body; } probe;
		struct probe_point *ap;   /* out of line: it would double every node's size */
		struct { struct ast *stmts; bool has_value; } block;
		struct { struct ast *expr; } expr_stmt;
		struct { enum ast_op op; struct ast *target, *value; } assign;
		struct { struct ast *var, *type, *init; } let;
		struct { struct ast *cond, *then, *els; } if_;
		struct { struct ast *cond, *body; } while_;
		struct { struct ast *count, *body; } unroll;
		struct { struct ast *var, *iter, *body; } for_;
		struct { enum ast_jump kind; struct ast *value; } jump;
		struct { uint64_t value; enum ast_int_form form; const char *text; } num;
		struct { const char *s; uint32_t len; } str;        /* escapes decoded */
		struct { bool value; } boolean;
		struct { uint32_t n; } pos;
		struct { const char *name; uint16_t bi; } ident;    /* BUILTIN, IDENT, VAR; bi: enum bi_id (sema) */
		struct { const char *name; struct ast *keys; } map; /* keys NULL: scalar */
		struct { const char *name; struct ast *args; uint16_t bi; } call; /* bi: enum bi_id (sema) */
		struct { enum ast_op op; struct ast *e; } unary;
		struct { enum ast_op op; struct ast *l, *r; } binary;
		struct { struct ast *cond, *then, *els; } ternary;
		struct { struct ast *e; const char *name; bool arrow; } field;
		struct { struct ast *e, *index; } index;
		struct { struct ast *type, *e; } cast;
		struct { struct ast *elems; } tuple;
		struct { struct ast *fields; } record;              /* AST_NAMED list */
		struct { const char *name; struct ast *value; } named;
		struct { struct ast *arg; } sizeof_;                /* AST_TYPE or expression */
		struct { struct ast *type; const char *field; } offsetof_;
		struct { struct ast *lo, *hi; } range;
		struct { struct ast *block; } block_expr;
		struct {
			enum ast_type_kind kind;
			const char *name;       /* base name; NULL for typeof */
			struct ast *of;         /* typeof operand */
			uint32_t ptr;           /* pointer depth */
			int64_t array;          /* -1: not an array, 0: unsized [], else length */
		} tspec;
	};
};

/* Constructors: one per kind. All allocate from `a`. Names and strings are
 * NOT copied: pass strings that live in `a` (or static ones). */
struct ast *ast_new(struct arena *a, enum ast_kind k, struct span at);
struct ast *ast_program(struct arena *a, struct span at, struct ast *items);
struct ast *ast_cdef(struct arena *a, struct span at, enum ast_cdef_kind k, const char *name, const char *text);
struct ast *ast_config(struct arena *a, struct span at, struct ast *items);
struct ast *ast_import(struct arena *a, struct span at, const char *path);
struct ast *ast_macro(struct arena *a, struct span at, const char *name, struct ast *params, struct ast *body);
struct ast *ast_map_decl(struct arena *a, struct span at, const char *name, const char *map_type, struct ast *args);
struct ast *ast_probe(struct arena *a, struct span at, struct ast *aps, struct ast *pred, struct ast *body);
struct ast *ast_attach_point(struct arena *a, struct span at, const char *raw);
struct ast *ast_block(struct arena *a, struct span at, struct ast *stmts, bool has_value);
struct ast *ast_expr_stmt(struct arena *a, struct span at, struct ast *e);
struct ast *ast_assign(struct arena *a, struct span at, enum ast_op op, struct ast *target, struct ast *value);
struct ast *ast_let(struct arena *a, struct span at, struct ast *var, struct ast *type, struct ast *init);
struct ast *ast_if(struct arena *a, struct span at, struct ast *cond, struct ast *then, struct ast *els);
struct ast *ast_while(struct arena *a, struct span at, struct ast *cond, struct ast *body);
struct ast *ast_unroll(struct arena *a, struct span at, struct ast *count, struct ast *body);
struct ast *ast_for(struct arena *a, struct span at, struct ast *var, struct ast *iter, struct ast *body);
struct ast *ast_jump(struct arena *a, struct span at, enum ast_jump k, struct ast *value);
struct ast *ast_int(struct arena *a, struct span at, uint64_t v, enum ast_int_form form, const char *text);
struct ast *ast_string(struct arena *a, struct span at, const char *s, uint32_t len);
struct ast *ast_bool(struct arena *a, struct span at, bool v);
struct ast *ast_positional(struct arena *a, struct span at, uint32_t n);
struct ast *ast_positional_count(struct arena *a, struct span at);
struct ast *ast_builtin(struct arena *a, struct span at, const char *name);
struct ast *ast_ident(struct arena *a, struct span at, const char *name);
struct ast *ast_var(struct arena *a, struct span at, const char *name);
struct ast *ast_map(struct arena *a, struct span at, const char *name, struct ast *keys);
struct ast *ast_call(struct arena *a, struct span at, const char *name, struct ast *args);
struct ast *ast_unary(struct arena *a, struct span at, enum ast_op op, struct ast *e);
struct ast *ast_binary(struct arena *a, struct span at, enum ast_op op, struct ast *l, struct ast *r);
struct ast *ast_ternary(struct arena *a, struct span at, struct ast *c, struct ast *t, struct ast *e);
struct ast *ast_field(struct arena *a, struct span at, struct ast *e, const char *name, bool arrow);
struct ast *ast_index(struct arena *a, struct span at, struct ast *e, struct ast *index);
struct ast *ast_cast(struct arena *a, struct span at, struct ast *type, struct ast *e);
struct ast *ast_tuple(struct arena *a, struct span at, struct ast *elems);
struct ast *ast_record(struct arena *a, struct span at, struct ast *fields);
struct ast *ast_named(struct arena *a, struct span at, const char *name, struct ast *value);
struct ast *ast_sizeof(struct arena *a, struct span at, struct ast *arg);
struct ast *ast_offsetof(struct arena *a, struct span at, struct ast *type, const char *field);
struct ast *ast_range(struct arena *a, struct span at, struct ast *lo, struct ast *hi);
struct ast *ast_block_expr(struct arena *a, struct span at, struct ast *block);
struct ast *ast_type(struct arena *a, struct span at, enum ast_type_kind k, const char *name, struct ast *of);

/* Lists: append b (a list) to a (a list); either may be NULL. O(len a). */
struct ast *ast_list_append(struct ast *a, struct ast *b);
unsigned ast_list_len(const struct ast *l);

/* The child lists of n, in source order (each a list chained through `next`;
 * absent ones left out): for walkers that need no per-kind code, such as the
 * parser's nesting check. Returns how many were stored in out. */
#define AST_MAX_CHILDREN 3
unsigned ast_children(const struct ast *n, struct ast *out[AST_MAX_CHILDREN]);

const char *ast_kind_name(enum ast_kind k);
const char *ast_op_name(enum ast_op op);   /* "+", "==", "++" (pre/post told apart by kind name) */

/* -d ast: a stable, indented dump of the tree (see dump.c for the format). */
void ast_dump(FILE *out, const struct ast *root);
/* -d types: the same, each typed node followed by " :: type". */
void ast_dump_types(FILE *out, const struct ast *root);

#endif
