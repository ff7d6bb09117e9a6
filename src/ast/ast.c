/* ast: node constructors and list helpers; every node comes from the compilation's arena. */
#include "ast/ast.h"

#include <string.h>

struct ast *ast_new(struct arena *a, enum ast_kind k, struct span at)
{
	struct ast *n = arena_alloc(a, sizeof(*n));
	n->kind = k;
	n->span = at;
	return n;
}

/* Names are not copied: they come from the arena (the scanner put them
 * there) or are static. */
#define S(s) (s)

struct ast *ast_program(struct arena *a, struct span at, struct ast *items)
{
	struct ast *n = ast_new(a, AST_PROGRAM, at);
	n->program.items = items;
	return n;
}

struct ast *ast_cdef(struct arena *a, struct span at, enum ast_cdef_kind k, const char *name, const char *text)
{
	struct ast *n = ast_new(a, AST_C_DEF, at);
	n->cdef.kind = k;
	n->cdef.name = S(name);
	n->cdef.text = S(text);
	return n;
}

struct ast *ast_config(struct arena *a, struct span at, struct ast *items)
{
	struct ast *n = ast_new(a, AST_CONFIG, at);
	n->config.items = items;
	return n;
}

struct ast *ast_import(struct arena *a, struct span at, const char *path)
{
	struct ast *n = ast_new(a, AST_IMPORT, at);
	n->import.path = S(path);
	return n;
}

struct ast *ast_macro(struct arena *a, struct span at, const char *name, struct ast *params, struct ast *body)
{
	struct ast *n = ast_new(a, AST_MACRO, at);
	n->macro.name = S(name);
	n->macro.params = params;
	n->macro.body = body;
	return n;
}

struct ast *ast_map_decl(struct arena *a, struct span at, const char *name, const char *map_type, struct ast *args)
{
	struct ast *n = ast_new(a, AST_MAP_DECL, at);
	n->map_decl.name = S(name);
	n->map_decl.map_type = S(map_type);
	n->map_decl.args = args;
	return n;
}

struct ast *ast_probe(struct arena *a, struct span at, struct ast *aps, struct ast *pred, struct ast *body)
{
	struct ast *n = ast_new(a, AST_PROBE, at);
	n->probe.aps = aps;
	n->probe.pred = pred;
	n->probe.body = body;
	return n;
}

struct ast *ast_attach_point(struct arena *a, struct span at, const char *raw)
{
	struct ast *n = ast_new(a, AST_ATTACH_POINT, at);
	n->ap = arena_alloc(a, sizeof(*n->ap));
	n->ap->raw = S(raw);
	return n;
}

struct ast *ast_block(struct arena *a, struct span at, struct ast *stmts, bool has_value)
{
	struct ast *n = ast_new(a, AST_BLOCK, at);
	n->block.stmts = stmts;
	n->block.has_value = has_value;
	return n;
}

struct ast *ast_expr_stmt(struct arena *a, struct span at, struct ast *e)
{
	struct ast *n = ast_new(a, AST_EXPR_STMT, at);
	n->expr_stmt.expr = e;
	return n;
}

struct ast *ast_assign(struct arena *a, struct span at, enum ast_op op, struct ast *target, struct ast *value)
{
	struct ast *n = ast_new(a, AST_ASSIGN, at);
	n->assign.op = op;
	n->assign.target = target;
	n->assign.value = value;
	return n;
}

struct ast *ast_let(struct arena *a, struct span at, struct ast *var, struct ast *type, struct ast *init)
{
	struct ast *n = ast_new(a, AST_LET, at);
	n->let.var = var;
	n->let.type = type;
	n->let.init = init;
	return n;
}

struct ast *ast_if(struct arena *a, struct span at, struct ast *cond, struct ast *then, struct ast *els)
{
	struct ast *n = ast_new(a, AST_IF, at);
	n->if_.cond = cond;
	n->if_.then = then;
	n->if_.els = els;
	return n;
}

struct ast *ast_while(struct arena *a, struct span at, struct ast *cond, struct ast *body)
{
	struct ast *n = ast_new(a, AST_WHILE, at);
	n->while_.cond = cond;
	n->while_.body = body;
	return n;
}

struct ast *ast_unroll(struct arena *a, struct span at, struct ast *count, struct ast *body)
{
	struct ast *n = ast_new(a, AST_UNROLL, at);
	n->unroll.count = count;
	n->unroll.body = body;
	return n;
}

struct ast *ast_for(struct arena *a, struct span at, struct ast *var, struct ast *iter, struct ast *body)
{
	struct ast *n = ast_new(a, AST_FOR, at);
	n->for_.var = var;
	n->for_.iter = iter;
	n->for_.body = body;
	return n;
}

struct ast *ast_jump(struct arena *a, struct span at, enum ast_jump k, struct ast *value)
{
	struct ast *n = ast_new(a, AST_JUMP, at);
	n->jump.kind = k;
	n->jump.value = value;
	return n;
}

struct ast *ast_int(struct arena *a, struct span at, uint64_t v, enum ast_int_form form, const char *text)
{
	struct ast *n = ast_new(a, AST_INT, at);
	n->num.value = v;
	n->num.form = form;
	n->num.text = S(text);
	return n;
}

struct ast *ast_string(struct arena *a, struct span at, const char *s, uint32_t len)
{
	struct ast *n = ast_new(a, AST_STRING, at);
	n->str.s = arena_strndup(a, s, len);
	n->str.len = len;
	return n;
}

struct ast *ast_bool(struct arena *a, struct span at, bool v)
{
	struct ast *n = ast_new(a, AST_BOOL, at);
	n->boolean.value = v;
	return n;
}

struct ast *ast_positional(struct arena *a, struct span at, uint32_t num)
{
	struct ast *n = ast_new(a, AST_POSITIONAL, at);
	n->pos.n = num;
	return n;
}

struct ast *ast_positional_count(struct arena *a, struct span at)
{
	return ast_new(a, AST_POSITIONAL_COUNT, at);
}

static struct ast *named_node(struct arena *a, enum ast_kind k, struct span at, const char *name)
{
	struct ast *n = ast_new(a, k, at);
	n->ident.name = S(name);
	return n;
}

struct ast *ast_builtin(struct arena *a, struct span at, const char *name)
{
	return named_node(a, AST_BUILTIN, at, name);
}

struct ast *ast_ident(struct arena *a, struct span at, const char *name)
{
	return named_node(a, AST_IDENT, at, name);
}

struct ast *ast_var(struct arena *a, struct span at, const char *name)
{
	return named_node(a, AST_VAR, at, name);
}

struct ast *ast_map(struct arena *a, struct span at, const char *name, struct ast *keys)
{
	struct ast *n = ast_new(a, AST_MAP, at);
	n->map.name = S(name);
	n->map.keys = keys;
	return n;
}

struct ast *ast_call(struct arena *a, struct span at, const char *name, struct ast *args)
{
	struct ast *n = ast_new(a, AST_CALL, at);
	n->call.name = S(name);
	n->call.args = args;
	return n;
}

struct ast *ast_unary(struct arena *a, struct span at, enum ast_op op, struct ast *e)
{
	struct ast *n = ast_new(a, AST_UNARY, at);
	n->unary.op = op;
	n->unary.e = e;
	return n;
}

struct ast *ast_binary(struct arena *a, struct span at, enum ast_op op, struct ast *l, struct ast *r)
{
	struct ast *n = ast_new(a, AST_BINARY, at);
	n->binary.op = op;
	n->binary.l = l;
	n->binary.r = r;
	return n;
}

struct ast *ast_ternary(struct arena *a, struct span at, struct ast *c, struct ast *t, struct ast *e)
{
	struct ast *n = ast_new(a, AST_TERNARY, at);
	n->ternary.cond = c;
	n->ternary.then = t;
	n->ternary.els = e;
	return n;
}

struct ast *ast_field(struct arena *a, struct span at, struct ast *e, const char *name, bool arrow)
{
	struct ast *n = ast_new(a, AST_FIELD, at);
	n->field.e = e;
	n->field.name = S(name);
	n->field.arrow = arrow;
	return n;
}

struct ast *ast_index(struct arena *a, struct span at, struct ast *e, struct ast *index)
{
	struct ast *n = ast_new(a, AST_INDEX, at);
	n->index.e = e;
	n->index.index = index;
	return n;
}

struct ast *ast_cast(struct arena *a, struct span at, struct ast *type, struct ast *e)
{
	struct ast *n = ast_new(a, AST_CAST, at);
	n->cast.type = type;
	n->cast.e = e;
	return n;
}

struct ast *ast_tuple(struct arena *a, struct span at, struct ast *elems)
{
	struct ast *n = ast_new(a, AST_TUPLE, at);
	n->tuple.elems = elems;
	return n;
}

struct ast *ast_record(struct arena *a, struct span at, struct ast *fields)
{
	struct ast *n = ast_new(a, AST_RECORD, at);
	n->record.fields = fields;
	return n;
}

struct ast *ast_named(struct arena *a, struct span at, const char *name, struct ast *value)
{
	struct ast *n = ast_new(a, AST_NAMED, at);
	n->named.name = S(name);
	n->named.value = value;
	return n;
}

struct ast *ast_sizeof(struct arena *a, struct span at, struct ast *arg)
{
	struct ast *n = ast_new(a, AST_SIZEOF, at);
	n->sizeof_.arg = arg;
	return n;
}

struct ast *ast_offsetof(struct arena *a, struct span at, struct ast *type, const char *field)
{
	struct ast *n = ast_new(a, AST_OFFSETOF, at);
	n->offsetof_.type = type;
	n->offsetof_.field = S(field);
	return n;
}

struct ast *ast_range(struct arena *a, struct span at, struct ast *lo, struct ast *hi)
{
	struct ast *n = ast_new(a, AST_RANGE, at);
	n->range.lo = lo;
	n->range.hi = hi;
	return n;
}

struct ast *ast_block_expr(struct arena *a, struct span at, struct ast *block)
{
	struct ast *n = ast_new(a, AST_BLOCK_EXPR, at);
	n->block_expr.block = block;
	return n;
}

struct ast *ast_type(struct arena *a, struct span at, enum ast_type_kind k, const char *name, struct ast *of)
{
	struct ast *n = ast_new(a, AST_TYPE, at);
	n->tspec.kind = k;
	n->tspec.name = S(name);
	n->tspec.of = of;
	n->tspec.array = -1;
	return n;
}

struct ast *ast_list_append(struct ast *a, struct ast *b)
{
	if (!a)
		return b;
	struct ast *t = a;
	while (t->next)
		t = t->next;
	t->next = b;
	return a;
}

unsigned ast_list_len(const struct ast *l)
{
	unsigned n = 0;
	for (; l; l = l->next)
		n++;
	return n;
}

unsigned ast_children(const struct ast *n, struct ast *out[AST_MAX_CHILDREN])
{
	struct ast *c[AST_MAX_CHILDREN] = { NULL, NULL, NULL };
	switch (n->kind) {
	case AST_PROGRAM: c[0] = n->program.items; break;
	case AST_CONFIG: c[0] = n->config.items; break;
	case AST_MACRO: c[0] = n->macro.params; c[1] = n->macro.body; break;
	case AST_MAP_DECL: c[0] = n->map_decl.args; break;
	case AST_PROBE: c[0] = n->probe.aps; c[1] = n->probe.pred; c[2] = n->probe.body; break;
	case AST_BLOCK: c[0] = n->block.stmts; break;
	case AST_EXPR_STMT: c[0] = n->expr_stmt.expr; break;
	case AST_ASSIGN: c[0] = n->assign.target; c[1] = n->assign.value; break;
	case AST_LET: c[0] = n->let.var; c[1] = n->let.type; c[2] = n->let.init; break;
	case AST_IF: c[0] = n->if_.cond; c[1] = n->if_.then; c[2] = n->if_.els; break;
	case AST_WHILE: c[0] = n->while_.cond; c[1] = n->while_.body; break;
	case AST_UNROLL: c[0] = n->unroll.count; c[1] = n->unroll.body; break;
	case AST_FOR: c[0] = n->for_.var; c[1] = n->for_.iter; c[2] = n->for_.body; break;
	case AST_JUMP: c[0] = n->jump.value; break;
	case AST_MAP: c[0] = n->map.keys; break;
	case AST_CALL: c[0] = n->call.args; break;
	case AST_UNARY: c[0] = n->unary.e; break;
	case AST_BINARY: c[0] = n->binary.l; c[1] = n->binary.r; break;
	case AST_TERNARY: c[0] = n->ternary.cond; c[1] = n->ternary.then; c[2] = n->ternary.els; break;
	case AST_FIELD: c[0] = n->field.e; break;
	case AST_INDEX: c[0] = n->index.e; c[1] = n->index.index; break;
	case AST_CAST: c[0] = n->cast.type; c[1] = n->cast.e; break;
	case AST_TUPLE: c[0] = n->tuple.elems; break;
	case AST_RECORD: c[0] = n->record.fields; break;
	case AST_NAMED: c[0] = n->named.value; break;
	case AST_SIZEOF: c[0] = n->sizeof_.arg; break;
	case AST_OFFSETOF: c[0] = n->offsetof_.type; break;
	case AST_RANGE: c[0] = n->range.lo; c[1] = n->range.hi; break;
	case AST_BLOCK_EXPR: c[0] = n->block_expr.block; break;
	case AST_TYPE: c[0] = n->tspec.of; break;
	case AST_C_DEF: case AST_IMPORT: case AST_ATTACH_POINT: case AST_INT: case AST_STRING:
	case AST_BOOL: case AST_POSITIONAL: case AST_POSITIONAL_COUNT: case AST_BUILTIN:
	case AST_IDENT: case AST_VAR: case AST__COUNT:
		break;
	}
	unsigned k = 0;
	for (unsigned i = 0; i < AST_MAX_CHILDREN; i++)
		if (c[i])
			out[k++] = c[i];
	return k;
}

static const char *const kind_names[AST__COUNT] = {
	[AST_PROGRAM] = "Program", [AST_C_DEF] = "CDefinition", [AST_CONFIG] = "Config",
	[AST_IMPORT] = "Import", [AST_MACRO] = "Macro", [AST_MAP_DECL] = "MapDecl",
	[AST_PROBE] = "Probe", [AST_ATTACH_POINT] = "AttachPoint", [AST_BLOCK] = "Block",
	[AST_EXPR_STMT] = "ExprStmt", [AST_ASSIGN] = "Assign", [AST_LET] = "Let",
	[AST_IF] = "If", [AST_WHILE] = "While", [AST_UNROLL] = "Unroll", [AST_FOR] = "For",
	[AST_JUMP] = "Jump", [AST_INT] = "Int", [AST_STRING] = "String", [AST_BOOL] = "Bool",
	[AST_POSITIONAL] = "Positional", [AST_POSITIONAL_COUNT] = "PositionalCount",
	[AST_BUILTIN] = "Builtin", [AST_IDENT] = "Ident", [AST_VAR] = "Var", [AST_MAP] = "Map",
	[AST_CALL] = "Call", [AST_UNARY] = "Unary", [AST_BINARY] = "Binary",
	[AST_TERNARY] = "Ternary", [AST_FIELD] = "Field", [AST_INDEX] = "Index",
	[AST_CAST] = "Cast", [AST_TUPLE] = "Tuple", [AST_RECORD] = "Record",
	[AST_NAMED] = "Named", [AST_SIZEOF] = "Sizeof", [AST_OFFSETOF] = "Offsetof",
	[AST_RANGE] = "Range", [AST_BLOCK_EXPR] = "BlockExpr", [AST_TYPE] = "Type",
};

const char *ast_kind_name(enum ast_kind k)
{
	return k < AST__COUNT && kind_names[k] ? kind_names[k] : "?";
}

static const char *const op_names[AST_OP__COUNT] = {
	[AST_OP_NONE] = "=", [AST_OP_ADD] = "+", [AST_OP_SUB] = "-", [AST_OP_MUL] = "*",
	[AST_OP_DIV] = "/", [AST_OP_MOD] = "%", [AST_OP_BAND] = "&", [AST_OP_BOR] = "|",
	[AST_OP_BXOR] = "^", [AST_OP_SHL] = "<<", [AST_OP_SHR] = ">>", [AST_OP_LAND] = "&&",
	[AST_OP_LOR] = "||", [AST_OP_EQ] = "==", [AST_OP_NE] = "!=", [AST_OP_LT] = "<",
	[AST_OP_LE] = "<=", [AST_OP_GT] = ">", [AST_OP_GE] = ">=", [AST_OP_NEG] = "-",
	[AST_OP_NOT] = "!", [AST_OP_BNOT] = "~", [AST_OP_DEREF] = "*", [AST_OP_ADDR] = "&",
	[AST_OP_PREINC] = "++", [AST_OP_PREDEC] = "--", [AST_OP_POSTINC] = "++",
	[AST_OP_POSTDEC] = "--",
};

const char *ast_op_name(enum ast_op op)
{
	return op < AST_OP__COUNT ? op_names[op] : "?";
}
