/* parser.y: the hawk (bpftrace) grammar, 0.17 and current syntax, building the tree in ast.h. */
%code requires {
#include <stdbool.h>
#include <stdint.h>
#include "common/diag.h"
#include "lexer/lexer.h"

/* The scanner includes this header for the token codes: it sees the tree
 * only as an opaque pointer type. */
struct ast;
typedef void *yyscan_t;
struct parse_state;

/* A list under construction: head for the tree, tail for O(1) append. */
struct plist { struct ast *head, *tail; };
}

%code provides {
int yylex(YYSTYPE *lval, struct span *lloc, yyscan_t scanner);
}

%code {
#include <string.h>

/* Two parsers come from this grammar (src/parser/meson.build): the fast one,
 * yyparse, and a twin, lac_yyparse, generated with LAC (parse.lac=full) and
 * run only after a syntax error, to say precisely what was expected. LAC
 * costs the fast path about 10 %. Both read tokens from the one scanner,
 * hawk_scan; in the twin, api.prefix has made yylex a macro for lac_yylex. */
int hawk_scan(void *lval, struct span *lloc, yyscan_t scanner);
#ifdef yylex
int yylex(YYSTYPE *lval, struct span *lloc, yyscan_t scanner)
{
	return hawk_scan(lval, lloc, scanner);
}
#else
#define yylex(lval, lloc, scanner) hawk_scan(lval, lloc, scanner)
#endif

#include "common/arena.h"
#include "ast/ast.h"
#include "parser/parse_state.h"

#define A (ps->arena)

static struct plist list1(struct ast *n) { return (struct plist){ n, n }; }
static struct plist list_add(struct plist l, struct ast *n)
{
	if (!n)
		return l;
	if (!l.head)
		return list1(n);
	l.tail->next = n;
	l.tail = n;
	return l;
}
static const struct plist list0 = { NULL, NULL };

/* Tokens carry plain values (lexer.h); these turn the ones that stand for
 * tree nodes into nodes. */
static struct ast *int_node(struct parse_state *ps, struct span at, struct lex_int v)
{
	static const enum ast_int_form form[] = {
		[LEX_INT_DEC] = AST_INT_DEC, [LEX_INT_HEX] = AST_INT_HEX, [LEX_INT_OCT] = AST_INT_OCT,
		[LEX_INT_SCI] = AST_INT_SCI, [LEX_INT_DURATION] = AST_INT_DURATION,
	};
	return ast_int(A, at, v.value, form[v.form], v.text);
}
static struct ast *cdef_node(struct parse_state *ps, struct span at, struct lex_cdef c)
{
	static const enum ast_cdef_kind kind[] = {
		[LEX_CDEF_PREPROC] = AST_CDEF_PREPROC, [LEX_CDEF_STRUCT] = AST_CDEF_STRUCT,
		[LEX_CDEF_UNION] = AST_CDEF_UNION, [LEX_CDEF_ENUM] = AST_CDEF_ENUM,
	};
	return ast_cdef(A, at, kind[c.kind], c.name, c.text);
}
/* x OP= y: the scanner gives OP's token */
static enum ast_op compound_op(int tok)
{
	switch (tok) {
	case SHL: return AST_OP_SHL;
	case SHR: return AST_OP_SHR;
	case '+': return AST_OP_ADD;
	case '-': return AST_OP_SUB;
	case '*': return AST_OP_MUL;
	case '/': return AST_OP_DIV;
	case '%': return AST_OP_MOD;
	case '&': return AST_OP_BAND;
	case '|': return AST_OP_BOR;
	default: return AST_OP_BXOR; /* '^' */
	}
}
static void yyerror(struct span *at, yyscan_t scanner, struct parse_state *ps, const char *msg);

/* An empty rule's location: the point just after the previous symbol. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                        \
	do {                                                               \
		if (N) {                                                   \
			(Cur) = span_join(YYRHSLOC(Rhs, 1), YYRHSLOC(Rhs, N)); \
		} else {                                                   \
			(Cur) = YYRHSLOC(Rhs, 0);                          \
			(Cur).off = (Cur).end;                             \
			(Cur).line = (Cur).end_line;                       \
			(Cur).col = (Cur).end_col;                         \
		}                                                          \
	} while (0)
}

%define api.pure full
%define api.location.type {struct span}
%define parse.error custom
%locations
%param {yyscan_t scanner}
%parse-param {struct parse_state *ps}
%expect 0

%union {
	struct ast *node;
	char *str;
	int op;                 /* ASSIGNOP: the operator's token, '+' for +=, SHL for <<= */
	uint32_t pos;           /* POSITIONAL: $N's N */
	struct lex_int num;
	struct lex_str s;
	struct lex_cdef cdef;
	struct plist list;
}

%token END 0 "end of file"
%token LEXERROR "invalid token"
%token <str> AP "attach point"
%token <cdef> CDEF "C definition"
%token <cdef> PREPROC "preprocessor directive"
%token <num> INT "integer"
%token <s> STRING "string"
%token <pos> POSITIONAL "positional parameter"
%token POSCOUNT "'$#'"
%token <str> IDENT "identifier"
%token <str> BUILTIN "builtin"
%token <str> TYPE "type name"
%token <str> VAR "variable"
%token <str> MAP "map"
%token <op> ASSIGNOP "compound assignment"
%token CAST_LPAREN "'(' of a cast"
%token ENDPRED "'/' ending the predicate"
%token ARROW "'->'" INC "'++'" DEC "'--'" SHL "'<<'" SHR "'>>'"
%token LE "'<='" GE "'>='" EQ "'=='" NE "'!='" LAND "'&&'" LOR "'||'" DOTDOT "'..'"
%token BREAK "'break'" CONFIG "'config'" CONTINUE "'continue'" ELSE "'else'"
%token ENUM "'enum'" FALSE "'false'" FOR "'for'" IF "'if'" IMPORT "'import'"
%token LET "'let'" MACRO "'macro'" OFFSETOF "'offsetof'" RETURN "'return'"
%token SIZEOF "'sizeof'" STRUCT "'struct'" TRUE "'true'" TYPEOF "'typeof'"
%token UNION "'union'" UNROLL "'unroll'" WHILE "'while'"

/* Operator precedence, lowest first: C's. The first two lines settle
 * grammar choices, not operators:
 *  - MAP_ALONE: "@m" then '[' always takes the '[' as map keys;
 *  - IDENT_ALONE: "(name" then ')' is a parenthesised name, which becomes a
 *    cast only when an operand follows ("(pid_t)arg0"); "(x) - 1" stays a
 *    subtraction, so a typedef cast of a negative number needs parentheses. */
%precedence MAP_ALONE IDENT_ALONE
%right '?' ':'
%left LOR
%left LAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' '>' LE GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence '[' ')'

%type <node> item probe pred block block_value config import macro map_decl
%type <node> stmt_simple stmt_block if_stmt jump assignment let_stmt lvalue
%type <node> expr unary cast cast_operand postfix primary map_ref paren_ident macro_param
%type <node> arg if_value
%type <node> typespec typespec_kw type_base_kw config_item record_field let_type let_init
%type <list> items aps stmts_closed stmts_open expr_list args config_items config_items_ne
%type <list> macro_params record_fields arg_list
%type <str> field_name field_path
%type <node> ptrs_array

%%

program
	: items                     { ps->prog = ast_program(A, @$, $1.head); }
	;

items
	: %empty                    { $$ = list0; }
	| items item                { $$ = list_add($1, $2); }
	;

item
	: probe
	| CDEF                      { $$ = cdef_node(ps, @$, $1); }
	| PREPROC                   { $$ = cdef_node(ps, @$, $1); }
	| config
	| import
	| macro
	| map_decl
	| ';'                       { $$ = NULL; }
	;

/* ---- probes ---- */

probe
	: aps pred block            { $$ = ast_probe(A, @$, $1.head, $2, $3); }
	;

aps
	: AP                        { $$ = list1(ast_attach_point(A, @1, $1)); }
	| aps ',' AP                { $$ = list_add($1, ast_attach_point(A, @3, $3)); }
	;

pred
	: %empty                    { $$ = NULL; }
	| '/' expr ENDPRED          { $$ = $2; }
	;

/* ---- top-level declarations ---- */

config
	: CONFIG '=' '{' config_items '}'   { $$ = ast_config(A, @$, $4.head); }
	;

config_items
	: %empty                    { $$ = list0; }
	| config_items_ne           { $$ = $1; }
	| config_items_ne ';'       { $$ = $1; }
	;

config_items_ne
	: config_item                       { $$ = list1($1); }
	| config_items_ne ';' config_item   { $$ = list_add($1, $3); }
	;

config_item
	: IDENT '=' expr            { $$ = ast_named(A, @$, $1, $3); }
	;

import
	: IMPORT STRING ';'         { $$ = ast_import(A, @$, $2.s); }
	;

macro
	: MACRO IDENT '(' macro_params ')' block   { $$ = ast_macro(A, @$, $2, $4.head, $6); }
	| MACRO IDENT block                        { $$ = ast_macro(A, @$, $2, NULL, $3); }
	/* a macro may take a builtin's name (current bpftrace): it wins where
	 * its arity matches the call */
	| MACRO BUILTIN '(' macro_params ')' block { $$ = ast_macro(A, @$, $2, $4.head, $6); }
	;

macro_params
	: %empty                        { $$ = list0; }
	| macro_param                   { $$ = list1($1); }
	| macro_params ',' macro_param  { $$ = list_add($1, $3); }
	;

macro_param
	: VAR                       { $$ = ast_var(A, @$, $1); }
	| MAP                       { $$ = ast_map(A, @$, $1, NULL); }
	| IDENT                     { $$ = ast_ident(A, @$, $1); }
	;

map_decl
	: LET MAP '=' IDENT '(' args ')' ';'   { $$ = ast_map_decl(A, @$, $2, $4, $6.head); }
	;

/* ---- statements ----
 * A simple statement is followed by ';' unless it is the last one of its
 * block; if/while/for/unroll and nested blocks need no ';'. A block whose
 * last statement is an expression without ';' has a value (block expression). */

block
	: '{' stmts_closed '}'      { $$ = ast_block(A, @$, $2.head, false); }
	| '{' stmts_open '}'        { $$ = ast_block(A, @$, $2.head,
	                                   $2.tail->kind == AST_EXPR_STMT); }
	;

stmts_closed
	: %empty                    { $$ = list0; }
	| stmts_closed ';'          { $$ = $1; }
	| stmts_open ';'            { $$ = $1; }
	| stmts_closed stmt_block   { $$ = list_add($1, $2); }
	;

stmts_open
	: stmts_closed stmt_simple  { $$ = list_add($1, $2); }
	;

stmt_simple
	: expr                      { $$ = ast_expr_stmt(A, @$, $1); }
	| assignment
	| let_stmt
	| jump
	;

stmt_block
	: if_stmt
	| WHILE expr block                          { $$ = ast_while(A, @$, $2, $3); }
	| UNROLL '(' expr ')' block                 { $$ = ast_unroll(A, @$, $3, $5); }
	| FOR '(' VAR ':' expr ')' block            { $$ = ast_for(A, @$, ast_var(A, @3, $3), $5, $7); }
	| FOR '(' VAR ':' expr DOTDOT expr ')' block {
		$$ = ast_for(A, @$, ast_var(A, @3, $3), ast_range(A, span_join(@5, @7), $5, $7), $9); }
	/* current bpftrace also writes them without parentheses */
	| FOR VAR ':' expr block                    { $$ = ast_for(A, @$, ast_var(A, @2, $2), $4, $5); }
	| FOR VAR ':' expr DOTDOT expr block {
		$$ = ast_for(A, @$, ast_var(A, @2, $2), ast_range(A, span_join(@4, @6), $4, $6), $7); }
	| block
	;

if_stmt
	: IF expr block                 { $$ = ast_if(A, @$, $2, $3, NULL); }
	| IF expr block ELSE block      { $$ = ast_if(A, @$, $2, $3, $5); }
	| IF expr block ELSE if_stmt    { $$ = ast_if(A, @$, $2, $3, $5); }
	;

jump
	: BREAK                     { $$ = ast_jump(A, @$, AST_JUMP_BREAK, NULL); }
	| CONTINUE                  { $$ = ast_jump(A, @$, AST_JUMP_CONTINUE, NULL); }
	| RETURN                    { $$ = ast_jump(A, @$, AST_JUMP_RETURN, NULL); }
	| RETURN expr               { $$ = ast_jump(A, @$, AST_JUMP_RETURN, $2); }
	;

assignment
	: lvalue '=' expr           { $$ = ast_assign(A, @$, AST_OP_NONE, $1, $3); }
	| lvalue '=' block_value    { $$ = ast_assign(A, @$, AST_OP_NONE, $1, $3); }
	| lvalue ASSIGNOP expr      { $$ = ast_assign(A, @$, compound_op($2), $1, $3); }
	;

lvalue
	: VAR                       { $$ = ast_var(A, @$, $1); }
	| map_ref
	| IDENT                     { /* `_ = expr;` discards a value (current bpftrace) */
	                              if (strcmp($1, "_")) {
	                                  diag_error(ps->diag, @1, "cannot assign to '%s': only variables ($x), "
	                                             "maps (@x) and the discard '_' can be assigned", $1);
	                                  ps->errors++;
	                                  YYABORT;
	                              }
	                              $$ = ast_ident(A, @$, $1); }
	;

let_stmt
	: LET VAR let_type let_init { $$ = ast_let(A, @$, ast_var(A, @2, $2), $3, $4); }
	;

let_type
	: %empty                    { $$ = NULL; }
	| ':' typespec              { $$ = $2; }
	;

let_init
	: %empty                    { $$ = NULL; }
	| '=' expr                  { $$ = $2; }
	| '=' block_value           { $$ = $2; }
	;

block_value
	: block                     { $$ = ast_block_expr(A, @$, $1); }
	;

/* ---- expressions ---- */

expr
	: expr '?' expr ':' expr    { $$ = ast_ternary(A, @$, $1, $3, $5); }
	| expr '?' ':' expr         { $$ = ast_ternary(A, @$, $1, NULL, $4); }
	| expr LOR expr             { $$ = ast_binary(A, @$, AST_OP_LOR, $1, $3); }
	| expr LAND expr            { $$ = ast_binary(A, @$, AST_OP_LAND, $1, $3); }
	| expr '|' expr             { $$ = ast_binary(A, @$, AST_OP_BOR, $1, $3); }
	| expr '^' expr             { $$ = ast_binary(A, @$, AST_OP_BXOR, $1, $3); }
	| expr '&' expr             { $$ = ast_binary(A, @$, AST_OP_BAND, $1, $3); }
	| expr EQ expr              { $$ = ast_binary(A, @$, AST_OP_EQ, $1, $3); }
	| expr NE expr              { $$ = ast_binary(A, @$, AST_OP_NE, $1, $3); }
	| expr '<' expr             { $$ = ast_binary(A, @$, AST_OP_LT, $1, $3); }
	| expr '>' expr             { $$ = ast_binary(A, @$, AST_OP_GT, $1, $3); }
	| expr LE expr              { $$ = ast_binary(A, @$, AST_OP_LE, $1, $3); }
	| expr GE expr              { $$ = ast_binary(A, @$, AST_OP_GE, $1, $3); }
	| expr SHL expr             { $$ = ast_binary(A, @$, AST_OP_SHL, $1, $3); }
	| expr SHR expr             { $$ = ast_binary(A, @$, AST_OP_SHR, $1, $3); }
	| expr '+' expr             { $$ = ast_binary(A, @$, AST_OP_ADD, $1, $3); }
	| expr '-' expr             { $$ = ast_binary(A, @$, AST_OP_SUB, $1, $3); }
	| expr '*' expr             { $$ = ast_binary(A, @$, AST_OP_MUL, $1, $3); }
	| expr '/' expr             { $$ = ast_binary(A, @$, AST_OP_DIV, $1, $3); }
	| expr '%' expr             { $$ = ast_binary(A, @$, AST_OP_MOD, $1, $3); }
	| unary
	;

unary
	: postfix
	| '-' unary                 { $$ = ast_unary(A, @$, AST_OP_NEG, $2); }
	| '!' unary                 { $$ = ast_unary(A, @$, AST_OP_NOT, $2); }
	| '~' unary                 { $$ = ast_unary(A, @$, AST_OP_BNOT, $2); }
	| '*' unary                 { $$ = ast_unary(A, @$, AST_OP_DEREF, $2); }
	| '&' unary                 { $$ = ast_unary(A, @$, AST_OP_ADDR, $2); }
	| INC unary                 { $$ = ast_unary(A, @$, AST_OP_PREINC, $2); }
	| DEC unary                 { $$ = ast_unary(A, @$, AST_OP_PREDEC, $2); }
	| cast
	;

cast
	: '(' typespec_kw ')' unary         { $$ = ast_cast(A, @$, $2, $4); }
	| CAST_LPAREN typespec ')' unary    { $$ = ast_cast(A, @$, $2, $4); }
	| paren_ident cast_operand          { $$ = ast_cast(A, @$, ast_type(A, $1->span, AST_TY_NAMED, $1->ident.name, NULL), $2); }
	;

/* What may follow "(name)" for it to be a cast: an operand that cannot
 * also continue a binary expression. */
cast_operand
	: postfix
	| '!' unary                 { $$ = ast_unary(A, @$, AST_OP_NOT, $2); }
	| '~' unary                 { $$ = ast_unary(A, @$, AST_OP_BNOT, $2); }
	| cast
	;

postfix
	: primary
	| postfix INC               { $$ = ast_unary(A, @$, AST_OP_POSTINC, $1); }
	| postfix DEC               { $$ = ast_unary(A, @$, AST_OP_POSTDEC, $1); }
	| postfix '.' field_name    { $$ = ast_field(A, @$, $1, $3, false); }
	| postfix '.' INT           { $$ = ast_field(A, @$, $1, $3.text, false); }
	| postfix ARROW field_name  { $$ = ast_field(A, @$, $1, $3, true); }
	| postfix '[' expr ']'      { $$ = ast_index(A, @$, $1, $3); }
	;

field_name
	: IDENT
	| BUILTIN
	| TYPE
	;

primary
	: INT                       { $$ = int_node(ps, @$, $1); }
	| STRING                    { $$ = ast_string(A, @$, $1.s, $1.len); }
	| POSITIONAL                { $$ = ast_positional(A, @$, $1); }
	| POSCOUNT                  { $$ = ast_positional_count(A, @$); }
	| TRUE                      { $$ = ast_bool(A, @$, true); }
	| FALSE                     { $$ = ast_bool(A, @$, false); }
	| BUILTIN                   { $$ = ast_builtin(A, @$, $1); }
	| IDENT %prec IDENT_ALONE   { $$ = ast_ident(A, @$, $1); }
	| VAR                       { $$ = ast_var(A, @$, $1); }
	| map_ref
	| IDENT '(' args ')'        { $$ = ast_call(A, @$, $1, $3.head); }
	| BUILTIN '(' args ')'      { $$ = ast_call(A, @$, $1, $3.head); }
	| '(' expr ')'              { $$ = $2; }
	| '(' block_value ')'       { $$ = $2; }
	| CONFIG '(' ')'            { $$ = ast_call(A, @$, "config", NULL); }
	| paren_ident %prec IDENT_ALONE { $$ = $1; }
	| '(' ')'                   { $$ = ast_tuple(A, @$, NULL); }
	| '(' expr ',' ')'          { $$ = ast_tuple(A, @$, $2); }
	| '(' expr ',' expr_list ')'     { $2->next = $4.head; $$ = ast_tuple(A, @$, $2); }
	| '(' expr ',' expr_list ',' ')' { $2->next = $4.head; $$ = ast_tuple(A, @$, $2); }
	| '(' record_fields ')'     { $$ = ast_record(A, @$, $2.head); }
	| '(' record_fields ',' ')' { $$ = ast_record(A, @$, $2.head); }
	| SIZEOF '(' typespec_kw ')'        { $$ = ast_sizeof(A, @$, $3); }
	| SIZEOF CAST_LPAREN typespec ')'   { $$ = ast_sizeof(A, @$, $3); }
	| SIZEOF '(' expr ')'               { $$ = ast_sizeof(A, @$, $3); }
	| OFFSETOF '(' typespec_kw ',' field_path ')'  { $$ = ast_offsetof(A, @$, $3, $5); }
	| OFFSETOF '(' IDENT ',' field_path ')'        {
		$$ = ast_offsetof(A, @$, ast_type(A, @3, AST_TY_NAMED, $3, NULL), $5); }
	;

paren_ident
	: '(' IDENT ')'             { $$ = ast_ident(A, @2, $2); }
	;

map_ref
	: MAP %prec MAP_ALONE       { $$ = ast_map(A, @$, $1, NULL); }
	| MAP '[' expr_list ']'     { $$ = ast_map(A, @$, $1, $3.head); }
	;

record_fields
	: record_field                      { $$ = list1($1); }
	| record_fields ',' record_field    { $$ = list_add($1, $3); }
	;

record_field
	: IDENT '=' expr            { $$ = ast_named(A, @$, $1, $3); }
	| IDENT '=' block_value     { $$ = ast_named(A, @$, $1, $3); }
	;

field_path
	: field_name
	| field_path '.' field_name { $$ = arena_printf(A, "%s.%s", $1, $3); }
	;

expr_list
	: expr                      { $$ = list1($1); }
	| expr_list ',' expr        { $$ = list_add($1, $3); }
	;

/* A call's arguments may also be blocks and ifs used as values (current
 * bpftrace's block expressions: `print({ $x = 1; $x + 1 })`). */
args
	: %empty                    { $$ = list0; }
	| arg_list
	;

arg_list
	: arg                       { $$ = list1($1); }
	| arg_list ',' arg          { $$ = list_add($1, $3); }
	;

/* A type as an argument: container_of(p, typeof(struct Foo), f) */
arg
	: expr
	| block_value
	| if_value
	| TYPEOF '(' typespec_kw ')' { $$ = ast_type(A, @$, AST_TY_TYPEOF, NULL, $3); }
	;

/* `if (c) { a } else { b }` as a value: c ? a : b, each branch a block value. */
if_value
	: IF expr block ELSE block      { $$ = ast_ternary(A, @$, $2, ast_block_expr(A, @3, $3),
	                                                   ast_block_expr(A, @5, $5)); }
	| IF expr block ELSE if_value   { $$ = ast_ternary(A, @$, $2, ast_block_expr(A, @3, $3), $5); }
	;

/* ---- types: int32, uint8[8], string[64], struct task_struct *, typeof($x) ---- */

typespec
	: typespec_kw
	| IDENT ptrs_array          { $$ = $2; $$->tspec.kind = AST_TY_NAMED; $$->tspec.name = $1;
	                              $$->span = span_join(@1, @2); }
	;

typespec_kw
	: type_base_kw ptrs_array   { $$ = $1; $$->tspec.ptr = $2->tspec.ptr; $$->tspec.array = $2->tspec.array;
	                              $$->span = span_join(@1, @2); }
	;

type_base_kw
	: TYPE                      { $$ = ast_type(A, @$, AST_TY_NAMED, $1, NULL); }
	| STRUCT IDENT              { $$ = ast_type(A, @$, AST_TY_STRUCT, $2, NULL); }
	| UNION IDENT               { $$ = ast_type(A, @$, AST_TY_UNION, $2, NULL); }
	| ENUM IDENT                { $$ = ast_type(A, @$, AST_TY_ENUM, $2, NULL); }
	| TYPEOF '(' expr ')'       { $$ = ast_type(A, @$, AST_TY_TYPEOF, NULL, $3); }
	| TYPEOF '(' typespec_kw ')' { $$ = ast_type(A, @$, AST_TY_TYPEOF, NULL, $3); }
	| TYPEOF CAST_LPAREN typespec ')' { $$ = ast_type(A, @$, AST_TY_TYPEOF, NULL, $3); }
	;

/* Pointer stars then an optional array: "int32*[4]" is four pointers. The
 * value is a scratch Type node carrying just ptr and array. */
ptrs_array
	: %empty                    { $$ = ast_type(A, @$, AST_TY_NAMED, NULL, NULL); }
	| ptrs_array '*'            { $$ = $1; $$->tspec.ptr++; }
	| ptrs_array '[' ']'        { $$ = $1; $$->tspec.array = 0; }
	| ptrs_array '[' INT ']'    { $$ = $1; $$->tspec.array = (int64_t)$3.value; }
	;

%%

#include "parser/parse_error.inc"
