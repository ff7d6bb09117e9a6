/* dump: the `-d ast` text form of the tree; tests compare it byte for byte, so keep it stable. */
#include "ast/ast.h"
#include "common/types.h"

#include <inttypes.h>
#include <string.h>

/* The format, one node per line, two spaces of indent per depth:
 *
 *   KindName payload
 *     child
 *     Label            (a plain line naming the role of the children below)
 *       child
 *
 * Payloads are scalars only (names, operators, literals); subtrees are always
 * children, so a wrong tree shape shows as a wrong indent, not a wrong word.
 * An attach point that ap_parse has split gets one more line with its parts
 * ("provider k (kprobe) func vfs_read offset 16"). */

static void dump_node(FILE *out, const struct ast *n, int depth);

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", out);
}

static void dump_list(FILE *out, const struct ast *l, int depth)
{
	for (; l; l = l->next)
		dump_node(out, l, depth);
}

/* A label line ("Cond", "Keys", "Predicate") with the list `l` under it. */
static void labelled(FILE *out, const char *label, const struct ast *l, int depth)
{
	indent(out, depth);
	fprintf(out, "%s\n", label);
	if (l)
		dump_list(out, l, depth + 1);
	else
		dump_node(out, NULL, depth + 1);
}

/* C escapes, so that a string holding a newline or a quote stays on one line
 * and reads back unambiguously. */
static void put_escaped(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\\': fputs("\\\\", out); break;
		case '"':  fputs("\\\"", out); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(out, "\\x%02x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

/* Attach-point parts are printed bare, the way they were written, unless
 * they hold something that would make the line ambiguous (a space, a quote,
 * a control character) or are empty; then they are quoted like strings. */
static void put_part(FILE *out, const char *s)
{
	bool bare = *s != '\0';
	for (const char *p = s; *p && bare; p++)
		bare = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && *p != '"';
	if (bare)
		fputs(s, out);
	else
		put_escaped(out, s, strlen(s));
}

static void ap_str(FILE *out, const char *key, const char *v)
{
	if (!v || !*v)
		return;
	fprintf(out, " %s ", key);
	put_part(out, v);
}

/* The parsed parts of an attach point, in a fixed order, empty ones left
 * out. The provider shows its canonical name too when spelled as an alias,
 * so alias tests check the lookup and not just the spelling. */
static void dump_ap_parts(FILE *out, const struct probe_point *ap, int depth)
{
	indent(out, depth);
	fputs("provider", out);
	if (ap->provider) {
		fputc(' ', out);
		put_part(out, ap->provider);
	}
	const char *canon = probetype_name(ap->ptype);
	if (canon && (!ap->provider || strcmp(canon, ap->provider)))
		fprintf(out, " (%s)", canon);
	ap_str(out, "target", ap->target);
	ap_str(out, "ns", ap->ns);
	ap_str(out, "func", ap->func);
	ap_str(out, "lang", ap->lang);
	ap_str(out, "file", ap->src_file);
	if (ap->line)
		fprintf(out, " line %" PRIu32, ap->line);
	if (ap->column)
		fprintf(out, " column %" PRIu32, ap->column);
	if (ap->has_offset)
		fprintf(out, " offset %" PRIu64, ap->offset);
	/* Addresses are written in hex by users; show them the same way. */
	if (ap->has_addr)
		fprintf(out, " addr 0x%" PRIx64, ap->addr);
	ap_str(out, "unit", ap->unit);
	if (ap->has_freq)
		fprintf(out, " freq %" PRIu64, ap->freq);
	ap_str(out, "mode", ap->mode);
	ap_str(out, "pin", ap->pin);
	if (ap->wildcard)
		fputs(" wildcard", out);
	fputc('\n', out);
}

/* The decimal value, and the literal as written whenever that is not the
 * same text (0x10, 010, 1e6, 1_000, 10UL, 1s): the value proves the lexer
 * converted it, the text shows from what. */
static void put_int(FILE *out, const struct ast *n)
{
	char dec[24];
	snprintf(dec, sizeof(dec), "%" PRIu64, n->num.value);
	fprintf(out, " %s", dec);
	if (n->num.text && strcmp(n->num.text, dec))
		fprintf(out, " (%s)", n->num.text);
}

/* A written type, normalised: "struct task_struct *", "int32 **[4]",
 * "string[64]", "uint8[]", "typeof" (operand as the child). */
static void put_type(FILE *out, const struct ast *n)
{
	switch (n->tspec.kind) {
	case AST_TY_NAMED:  break;
	case AST_TY_STRUCT: fputs("struct ", out); break;
	case AST_TY_UNION:  fputs("union ", out); break;
	case AST_TY_ENUM:   fputs("enum ", out); break;
	case AST_TY_TYPEOF: fputs("typeof", out); break;
	}
	if (n->tspec.name)
		fputs(n->tspec.name, out);
	if (n->tspec.ptr) {
		fputc(' ', out);
		for (uint32_t i = 0; i < n->tspec.ptr; i++)
			fputc('*', out);
	}
	if (n->tspec.array == 0)
		fputs("[]", out);
	else if (n->tspec.array > 0)
		fprintf(out, "[%" PRId64 "]", n->tspec.array);
}

static const char *const cdef_kind_names[] = {
	[AST_CDEF_PREPROC] = "preproc", [AST_CDEF_STRUCT] = "struct",
	[AST_CDEF_UNION] = "union", [AST_CDEF_ENUM] = "enum",
};

static const char *const jump_names[] = {
	[AST_JUMP_BREAK] = "break", [AST_JUMP_CONTINUE] = "continue", [AST_JUMP_RETURN] = "return",
};

/* A preprocessor line has no name; its directive, and the macro a #define
 * defines, tell lines apart without dumping the C text itself. */
static void put_directive(FILE *out, const char *text)
{
	const char *p = text + strspn(text, " \t");
	if (*p == '#')
		p++;
	p += strspn(p, " \t");
	size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
	fprintf(out, " #%.*s", (int)n, p);
	if (n == 6 && !strncmp(p, "define", 6)) {
		p += n;
		p += strspn(p, " \t");
		size_t m = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789");
		if (m)
			fprintf(out, " %.*s", (int)m, p);
	}
}

/* The head line's payload: everything after the kind name. */
static void put_payload(FILE *out, const struct ast *n)
{
	switch (n->kind) {
	case AST_C_DEF:
		if (n->cdef.kind == AST_CDEF_PREPROC && !n->cdef.name && n->cdef.text)
			put_directive(out, n->cdef.text);
		else
			fprintf(out, " %s", cdef_kind_names[n->cdef.kind]);
		if (n->cdef.name)
			fprintf(out, " %s", n->cdef.name);
		break;
	case AST_IMPORT:
		fputc(' ', out);
		put_escaped(out, n->import.path, strlen(n->import.path));
		break;
	case AST_MACRO:      fprintf(out, " %s", n->macro.name); break;
	case AST_MAP_DECL:
		fprintf(out, " %s %s", n->map_decl.name, n->map_decl.map_type);
		break;
	case AST_ATTACH_POINT: fprintf(out, " %s", n->ap->raw); break;
	case AST_BLOCK:
		if (n->block.has_value)
			fputs(" (value)", out);
		break;
	case AST_ASSIGN:
		if (n->assign.op == AST_OP_NONE)
			fputs(" =", out);
		else
			fprintf(out, " %s=", ast_op_name(n->assign.op));
		break;
	case AST_JUMP:       fprintf(out, " %s", jump_names[n->jump.kind]); break;
	case AST_INT:        put_int(out, n); break;
	case AST_STRING:
		fputc(' ', out);
		put_escaped(out, n->str.s, n->str.len);
		break;
	case AST_BOOL:       fputs(n->boolean.value ? " true" : " false", out); break;
	case AST_POSITIONAL: fprintf(out, " $%" PRIu32, n->pos.n); break;
	case AST_BUILTIN: case AST_IDENT: case AST_VAR:
		fprintf(out, " %s", n->ident.name);
		break;
	case AST_MAP:        fprintf(out, " %s", n->map.name); break;
	case AST_CALL:       fprintf(out, " %s", n->call.name); break;
	case AST_UNARY:
		fprintf(out, " %s", ast_op_name(n->unary.op));
		if (n->unary.op == AST_OP_PREINC || n->unary.op == AST_OP_PREDEC)
			fputs(" (pre)", out);
		else if (n->unary.op == AST_OP_POSTINC || n->unary.op == AST_OP_POSTDEC)
			fputs(" (post)", out);
		break;
	case AST_BINARY:     fprintf(out, " %s", ast_op_name(n->binary.op)); break;
	case AST_TERNARY:
		if (!n->ternary.then)
			fputs(" ?:", out);
		break;
	case AST_FIELD:
		fprintf(out, " %s%s", n->field.arrow ? "->" : ".", n->field.name);
		break;
	case AST_NAMED:      fprintf(out, " %s", n->named.name); break;
	case AST_OFFSETOF:   fprintf(out, " %s", n->offsetof_.field); break;
	case AST_TYPE:
		fputc(' ', out);
		put_type(out, n);
		break;
	/* No scalar payload: the kind name says it all. */
	case AST_PROGRAM: case AST_CONFIG: case AST_PROBE: case AST_EXPR_STMT:
	case AST_LET: case AST_IF: case AST_WHILE: case AST_UNROLL: case AST_FOR:
	case AST_POSITIONAL_COUNT: case AST_INDEX: case AST_CAST: case AST_TUPLE:
	case AST_RECORD: case AST_SIZEOF: case AST_RANGE: case AST_BLOCK_EXPR:
	case AST__COUNT:
		break;
	}
}

/* The children, in source order. A NULL child that the grammar promises is
 * printed as <null> so a parser bug shows up in the dump instead of a crash. */
static void put_children(FILE *out, const struct ast *n, int d)
{
	switch (n->kind) {
	case AST_PROGRAM:  dump_list(out, n->program.items, d); break;
	case AST_CONFIG:   dump_list(out, n->config.items, d); break;
	case AST_MACRO:
		if (n->macro.params)
			labelled(out, "Params", n->macro.params, d);
		dump_node(out, n->macro.body, d);
		break;
	case AST_MAP_DECL: dump_list(out, n->map_decl.args, d); break;
	case AST_PROBE:
		dump_list(out, n->probe.aps, d);
		if (n->probe.pred)
			labelled(out, "Predicate", n->probe.pred, d);
		dump_node(out, n->probe.body, d);
		break;
	case AST_ATTACH_POINT:
		if (n->ap->parsed)
			dump_ap_parts(out, n->ap, d);
		break;
	case AST_BLOCK:     dump_list(out, n->block.stmts, d); break;
	case AST_EXPR_STMT: dump_node(out, n->expr_stmt.expr, d); break;
	case AST_ASSIGN:
		dump_node(out, n->assign.target, d);
		dump_node(out, n->assign.value, d);
		break;
	case AST_LET:
		dump_node(out, n->let.var, d);
		if (n->let.type)
			dump_node(out, n->let.type, d);
		if (n->let.init)
			dump_node(out, n->let.init, d);
		break;
	case AST_IF:
		labelled(out, "Cond", n->if_.cond, d);
		labelled(out, "Then", n->if_.then, d);
		if (n->if_.els)
			labelled(out, "Else", n->if_.els, d);
		break;
	case AST_WHILE:
		dump_node(out, n->while_.cond, d);
		dump_node(out, n->while_.body, d);
		break;
	case AST_UNROLL:
		dump_node(out, n->unroll.count, d);
		dump_node(out, n->unroll.body, d);
		break;
	case AST_FOR:
		dump_node(out, n->for_.var, d);
		dump_node(out, n->for_.iter, d);
		dump_node(out, n->for_.body, d);
		break;
	case AST_JUMP:
		if (n->jump.value)
			dump_node(out, n->jump.value, d);
		break;
	case AST_MAP:
		if (n->map.keys)
			labelled(out, "Keys", n->map.keys, d);
		break;
	case AST_CALL:  dump_list(out, n->call.args, d); break;
	case AST_UNARY: dump_node(out, n->unary.e, d); break;
	case AST_BINARY:
		dump_node(out, n->binary.l, d);
		dump_node(out, n->binary.r, d);
		break;
	case AST_TERNARY:
		dump_node(out, n->ternary.cond, d);
		if (n->ternary.then)
			dump_node(out, n->ternary.then, d);
		dump_node(out, n->ternary.els, d);
		break;
	case AST_FIELD: dump_node(out, n->field.e, d); break;
	case AST_INDEX:
		dump_node(out, n->index.e, d);
		dump_node(out, n->index.index, d);
		break;
	case AST_CAST:
		dump_node(out, n->cast.type, d);
		dump_node(out, n->cast.e, d);
		break;
	case AST_TUPLE:       dump_list(out, n->tuple.elems, d); break;
	case AST_RECORD:      dump_list(out, n->record.fields, d); break;
	case AST_NAMED:       dump_node(out, n->named.value, d); break;
	case AST_SIZEOF:      dump_node(out, n->sizeof_.arg, d); break;
	case AST_OFFSETOF:    dump_node(out, n->offsetof_.type, d); break;
	case AST_RANGE:
		dump_node(out, n->range.lo, d);
		dump_node(out, n->range.hi, d);
		break;
	case AST_BLOCK_EXPR:  dump_node(out, n->block_expr.block, d); break;
	case AST_TYPE:
		if (n->tspec.of)
			dump_node(out, n->tspec.of, d);
		break;
	/* Leaves. The raw text of a C definition is left out on purpose: it
	 * is clang's input, not ours, and would make the dumps fragile. */
	case AST_C_DEF: case AST_IMPORT: case AST_INT: case AST_STRING: case AST_BOOL:
	case AST_POSITIONAL: case AST_POSITIONAL_COUNT: case AST_BUILTIN: case AST_IDENT:
	case AST_VAR: case AST__COUNT:
		break;
	}
}

/* -d types prints each typed node's type after " :: ". */
static bool show_types;

static void dump_node(FILE *out, const struct ast *n, int depth)
{
	indent(out, depth);
	if (!n) {
		fputs("<null>\n", out);
		return;
	}
	fputs(ast_kind_name(n->kind), out);
	put_payload(out, n);
	if (show_types && n->type) {
		fputs(" :: ", out);
		ty_print(out, n->type);
	}
	fputc('\n', out);
	put_children(out, n, depth + 1);
}

void ast_dump(FILE *out, const struct ast *root)
{
	show_types = false;
	dump_node(out, root, 0);
}

void ast_dump_types(FILE *out, const struct ast *root)
{
	show_types = true;
	dump_node(out, root, 0);
	show_types = false;
}
