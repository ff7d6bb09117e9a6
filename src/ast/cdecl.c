/* cdecl: C declarations to struct ty: struct/union/enum definitions with C layout (bitfields too), typedefs. */
#include <string.h>

#include "ast/cdefs.h"
#include "ast/sema.h"

struct cp {
	struct cdefs *c;
	const struct cpp_tok *t;
	size_t n, i;
	bool bad;                /* this declaration cannot be read */
	bool reported;
	unsigned errors;
	bool no_btf;             /* the script redefines a kernel type (see below) */
};

static const struct cpp_tok *peek(struct cp *p)
{
	static const struct cpp_tok eof = { .kind = CPP_EOF, .s = "", .len = 0, .sys = true };
	return p->i < p->n ? &p->t[p->i] : &eof;
}

static bool is(struct cp *p, const char *s)
{
	return p->i < p->n && cpp_is(&p->t[p->i], s);
}

static bool accept(struct cp *p, const char *s)
{
	if (!is(p, s))
		return false;
	p->i++;
	return true;
}

static char *name_of(struct cp *p, const struct cpp_tok *t)
{
	return arena_strndup(p->c->a, t->s, t->len);
}

/* One error per declaration, and only for the script's own text. */
static void fail(struct cp *p, const struct cpp_tok *t, const char *fmt, const char *arg)
{
	if (!p->bad && !t->sys && !p->reported) {
		diag_clang(p->c->d, "error", t->at, fmt, arg);
		p->errors++;
		p->reported = true;
	}
	p->bad = true;
}

/* Skips a balanced (...), [...] or {...} starting at the current token. */
static void skip_group(struct cp *p)
{
	int depth = 0;
	do {
		const struct cpp_tok *t = peek(p);
		if (t->kind == CPP_EOF)
			return;
		if (cpp_is(t, "(") || cpp_is(t, "[") || cpp_is(t, "{"))
			depth++;
		else if (cpp_is(t, ")") || cpp_is(t, "]") || cpp_is(t, "}"))
			depth--;
		p->i++;
	} while (depth > 0);
}

/* __attribute__((...)) and friends: skipped, except that `packed` is noted. */
static bool skip_attrs(struct cp *p, bool *packed)
{
	bool any = false;
	for (;;) {
		if (is(p, "__attribute__") || is(p, "__attribute") || is(p, "__declspec") ||
		    is(p, "__asm__") || is(p, "__asm") || is(p, "asm") || is(p, "_Alignas") ||
		    is(p, "__alignof__")) {
			p->i++;
			if (is(p, "(")) {
				size_t b = p->i;
				skip_group(p);
				for (size_t k = b; k < p->i && packed; k++)
					if (cpp_is(&p->t[k], "packed") || cpp_is(&p->t[k], "__packed__"))
						*packed = true;
			}
			any = true;
			continue;
		}
		return any;
	}
}

static const char *const ignored_words[] = {
	"const", "volatile", "restrict", "__restrict", "__restrict__", "static", "extern", "inline",
	"__inline", "__inline__", "register", "auto", "_Thread_local", "__thread", "__extension__",
	"_Noreturn", "__const", "__volatile__", "__volatile", "__signed__", "_Atomic",
};

static bool ignored(const struct cpp_tok *t)
{
	for (size_t i = 0; i < sizeof ignored_words / sizeof *ignored_words; i++)
		if (cpp_is(t, ignored_words[i]))
			return true;
	return false;
}

static const struct ty *parse_specs(struct cp *p, bool *is_typedef, bool *got);
static const struct ty *declarator(struct cp *p, const struct ty *base, const char **name);
static uint32_t ty_al(const struct ty *t);

/* A constant expression in tokens [b, e): sizeof(type) and
 * _Alignof(type) answered here (glibc sizes arrays with them), the rest by
 * the preprocessor's evaluator. */
static bool const_expr(struct cp *p, size_t b, size_t e, int64_t *v)
{
	struct cpp_tok *t = arena_alloc(p->c->a, (e - b + 1) * sizeof(*t));
	size_t n = 0;
	for (size_t i = b; i < e; i++) {
		bool is_sizeof = cpp_is(&p->t[i], "sizeof");
		bool is_align = cpp_is(&p->t[i], "_Alignof") || cpp_is(&p->t[i], "__alignof__");
		if ((is_sizeof || is_align) && i + 1 < e && cpp_is(&p->t[i + 1], "(")) {
			struct cp sub = { .c = p->c, .t = p->t, .n = e, .i = i + 2, .reported = true };
			bool td = false, got = false;
			const struct ty *ty = parse_specs(&sub, &td, &got);
			const char *name = NULL;
			if (got && !sub.bad)
				ty = declarator(&sub, ty, &name);
			if (!got || sub.bad || !cpp_is(&p->t[sub.i < e ? sub.i : e - 1], ")") || sub.i >= e)
				return false;
			uint32_t val = is_sizeof ? ty_size(ty) : ty_al(ty);
			char *num = arena_printf(p->c->a, "%u", val);
			t[n++] = (struct cpp_tok){ .kind = CPP_NUM, .s = num, .len = (uint32_t)strlen(num), .sys = true };
			i = sub.i;
			continue;
		}
		t[n++] = p->t[i];
	}
	return cpp_eval(p->c->cpp, t, n, false, v);
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

static uint32_t ty_al(const struct ty *t)
{
	if (t->kind == TY_RECORD && t->btf_id && t->size) {
		/* kernel structs: the widest scalar they can hold */
		return t->size % 8 == 0 ? 8 : t->size % 4 == 0 ? 4 : t->size % 2 == 0 ? 2 : 1;
	}
	return t->align ? t->align : 1;
}

static void add_field(struct cp *p, struct ty *rec, size_t *cap, const char *name, uint32_t off,
		      uint16_t bit_off, uint16_t bits, const struct ty *t)
{
	rec->fields = arena_grow(p->c->a, rec->fields, rec->count, cap, sizeof(*rec->fields));
	rec->fields[rec->count++] = (struct ty_field){
		.name = name, .offset = off, .bit_offset = bit_off, .bits = bits, .type = (struct ty *)t,
	};
}

/* { members } of a struct or union, laid out as the SysV ABI does: each
 * member at its alignment, a bitfield in the storage unit of its type
 * unless it would cross one, members of an anonymous struct or union
 * reached by name from the outer one. */
static void record_body(struct cp *p, struct ty *rec, bool packed)
{
	size_t cap = 0;
	uint64_t bitpos = 0, size_bits = 0;
	uint32_t align = 1;
	p->i++;   /* '{' */
	while (!p->bad && !is(p, "}")) {
		if (peek(p)->kind == CPP_EOF) {
			fail(p, peek(p), "expected '}' to end the %s", rec->is_union ? "union" : "struct");
			return;
		}
		if (accept(p, ";"))
			continue;
		bool td = false, got = false;
		const struct ty *base = parse_specs(p, &td, &got);
		if (p->bad)
			return;
		if (!got) {
			fail(p, peek(p), "expected a member type, found '%s'", name_of(p, peek(p)));
			return;
		}
		bool first = true;
		do {
			const char *name = NULL;
			const struct ty *t = base;
			int64_t bits = -1;
			if (!is(p, ";") || !first) {
				if (!is(p, ":"))
					t = declarator(p, base, &name);
				if (p->bad)
					return;
				if (accept(p, ":")) {
					size_t b = p->i;
					while (p->i < p->n && !is(p, ",") && !is(p, ";") && !is(p, "}") &&
					       !is(p, "__attribute__"))
						p->i++;
					if (!const_expr(p, b, p->i, &bits) || bits < 0 || bits > 64) {
						fail(p, &p->t[b < p->n ? b : p->n - 1], "invalid bitfield width%s", "");
						return;
					}
				}
			}
			first = false;
			skip_attrs(p, NULL);
			if (t->kind == TY_RECORD && !t->btf_id && !t->size && !t->count) {
				fail(p, &p->t[p->i > 0 ? p->i - 1 : 0], "field has incomplete type 'struct %s'",
				     t->name ? t->name : "(anonymous)");
				return;
			}
			uint32_t al = packed ? 1 : ty_al(t);
			uint32_t size = ty_size(t);
			if (bits >= 0) {
				uint64_t unit = (uint64_t)size * 8;
				if (bits == 0) {
					bitpos = align_up((uint32_t)bitpos, al * 8);
				} else {
					if (!packed && unit && bitpos / unit != (bitpos + (uint64_t)bits - 1) / unit)
						bitpos = (bitpos + unit - 1) / unit * unit;
					uint64_t at = rec->is_union ? 0 : bitpos;
					if (name)
						add_field(p, rec, &cap, name, (uint32_t)(at / 8), (uint16_t)(at % 8),
							  (uint16_t)bits, t);
					if (!rec->is_union)
						bitpos += (uint64_t)bits;
					else if ((uint64_t)bits > size_bits)
						size_bits = (uint64_t)bits;
				}
				if (al > align && bits != 0)
					align = al;
				continue;
			}
			bitpos = align_up((uint32_t)((bitpos + 7) / 8), al) * 8ull;
			uint64_t at = rec->is_union ? 0 : bitpos;
			if (!name && t->kind == TY_RECORD && !t->btf_id) {
				for (uint32_t k = 0; k < t->count; k++) {
					const struct ty_field *f = &t->fields[k];
					add_field(p, rec, &cap, f->name, (uint32_t)(at / 8) + f->offset, f->bit_offset,
						  f->bits, f->type);
				}
			} else if (name) {
				add_field(p, rec, &cap, name, (uint32_t)(at / 8), 0, 0, t);
			}
			if (!rec->is_union)
				bitpos += (uint64_t)size * 8;
			else if ((uint64_t)size * 8 > size_bits)
				size_bits = (uint64_t)size * 8;
			if (al > align)
				align = al;
		} while (accept(p, ","));
		if (!accept(p, ";")) {
			/* bpftrace's tests leave the last ';' out: `struct { int m[1] } y;` */
			if (!is(p, "}")) {
				fail(p, peek(p), "expected ';' after a member, found '%s'", name_of(p, peek(p)));
				return;
			}
		}
	}
	p->i++;   /* '}' */
	bool pk = false;
	skip_attrs(p, &pk);
	if (pk)
		align = 1;
	uint64_t end = rec->is_union ? size_bits : bitpos;
	rec->align = align;
	rec->size = align_up((uint32_t)((end + 7) / 8), align);
}

static void enum_body(struct cp *p, struct ty **type, const char *tag)
{
	int64_t next = 0, lo = 0, hi = 0;
	p->i++;   /* '{' */
	size_t first = 0;
	struct cdefs_entry *added[1024];
	size_t nadded = 0;
	while (!p->bad && !is(p, "}")) {
		const struct cpp_tok *t = peek(p);
		if (t->kind != CPP_IDENT) {
			fail(p, t, "expected an enumerator name, found '%s'", name_of(p, t));
			return;
		}
		p->i++;
		skip_attrs(p, NULL);
		int64_t v = next;
		if (accept(p, "=")) {
			size_t b = p->i;
			int depth = 0;
			while (p->i < p->n && !((is(p, ",") || is(p, "}")) && depth == 0)) {
				if (is(p, "("))
					depth++;
				else if (is(p, ")"))
					depth--;
				p->i++;
			}
			if (!const_expr(p, b, p->i, &v)) {
				fail(p, &p->t[b < p->n ? b : p->n - 1], "enumerator value is not an integer constant%s", "");
				return;
			}
		}
		struct cdefs_entry *e = cdefs_add(p->c, name_of(p, t), CDEFS_CONST);
		e->value = v;
		if (nadded < 1024)
			added[nadded++] = e;
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
		next = v + 1;
		if (!accept(p, ","))
			break;
	}
	(void)first;
	if (!accept(p, "}")) {
		fail(p, peek(p), "expected '}' to end the enum%s", "");
		return;
	}
	bool wide = lo < INT32_MIN || hi > UINT32_MAX;
	struct ty *et = ty_enum(p->c->a, wide ? 8 : 4, lo < 0 || hi <= INT32_MAX, tag);
	struct ty_enumerator *names = arena_alloc(p->c->a, (nadded + 1) * sizeof(*names));
	for (size_t k = 0; k < nadded; k++)
		names[k] = (struct ty_enumerator){ added[k]->name, added[k]->value };
	et->enums = names;
	et->nenums = (uint32_t)nadded;
	*type = et;
	for (size_t k = 0; k < nadded; k++)
		added[k]->type = *type;
}

/* struct/union/enum [tag] [{ body }]: the current token is the keyword. */
static const struct ty *tagged(struct cp *p)
{
	const struct cpp_tok *kw = peek(p);
	p->i++;
	enum cdefs_kind kind = cpp_is(kw, "struct") ? CDEFS_STRUCT : cpp_is(kw, "union") ? CDEFS_UNION : CDEFS_ENUM;
	bool packed = false;
	skip_attrs(p, &packed);
	const char *tag = NULL;
	const struct cpp_tok *tt = peek(p);
	if (tt->kind == CPP_IDENT) {
		tag = name_of(p, tt);
		p->i++;
	}
	skip_attrs(p, &packed);
	bool body = is(p, "{");
	if (!tag && !body) {
		fail(p, peek(p), "expected a name or '{' after '%s'", name_of(p, kw));
		return ty_none();
	}
	if (kind == CDEFS_ENUM) {
		struct cdefs_entry *e = tag ? cdefs_find(p->c, tag, CDEFS_ENUM) : NULL;
		if (!body) {
			if (e)
				return e->type;
			return ty_int(4, false);   /* an enum the kernel's BTF knows, or a forward one */
		}
		struct ty *type = NULL;
		enum_body(p, &type, tag);
		if (tag && type) {
			e = cdefs_add(p->c, tag, CDEFS_ENUM);
			e->type = type;
			e->defined = true;
		}
		return type ? type : ty_none();
	}
	struct cdefs_entry *e = tag ? cdefs_find(p->c, tag, kind) : NULL;
	struct ty *rec;
	if (e && (!body || !e->defined)) {
		rec = e->type;
	} else if (!body) {
		/* Not defined by the script: the kernel's, else a forward declaration
		 * completed later (a pointer to it is fine meanwhile). */
		const struct ty *k = p->no_btf ? NULL : sema_btf_record(p->c->a, tag, kind == CDEFS_UNION, NULL);
		if (k)
			return k;
		e = cdefs_add(p->c, tag, kind);
		rec = ty_new(p->c->a, TY_RECORD);
		rec->name = tag;
		rec->is_union = kind == CDEFS_UNION;
		e->type = rec;
		return rec;
	} else {
		rec = ty_new(p->c->a, TY_RECORD);
		rec->name = tag;
		rec->is_union = kind == CDEFS_UNION;
		if (tag) {
			e = cdefs_add(p->c, tag, kind);
			e->type = rec;
		}
	}
	if (body) {
		/* `} __attribute__((packed))` after the body applies to all of it */
		size_t save = p->i;
		skip_group(p);
		skip_attrs(p, &packed);
		p->i = save;
		record_body(p, rec, packed);
		if (p->bad) {
			/* unreadable: stays incomplete (BTF's, if any, serves instead) */
			rec->count = 0;
			rec->size = 0;
		} else if (e) {
			e->defined = true;
		}
	}
	return rec;
}

/* Plain `char`, told apart from `signed char` and `unsigned char` (and so
 * from int8_t and uint8_t): only an array of it is a string, as in
 * bpftrace. The same layout as int8. */
static const struct ty plain_char = { .kind = TY_INT, .size = 1, .align = 1, .is_signed = true };

/* The int type C's words name: "unsigned long", "short int", "char"... */
static const struct ty *int_words(int nlong, bool has_short, bool has_char, bool has_unsigned, bool has_signed,
				  bool has_bool, bool has_int128)
{
	if (has_bool)
		return ty_bool();
	if (has_int128)
		return ty_int(8, !has_unsigned);   /* no 128-bit values: the low half */
	if (has_char && !has_signed && !has_unsigned)
		return &plain_char;
	if (has_char)
		return ty_int(1, has_signed);
	if (has_short)
		return ty_int(2, !has_unsigned);
	if (nlong)
		return ty_int(8, !has_unsigned);
	return ty_int(4, !has_unsigned);
}

/* Declaration specifiers: the base type, storage words and qualifiers. */
static const struct ty *parse_specs(struct cp *p, bool *is_typedef, bool *got)
{
	const struct ty *t = NULL;
	int nlong = 0;
	bool sh = false, ch = false, un = false, si = false, bo = false, i128 = false, words = false, fl = false;
	unsigned fsize = 0;
	for (;;) {
		const struct cpp_tok *tok = peek(p);
		if (tok->kind != CPP_IDENT)
			break;
		if (skip_attrs(p, NULL))
			continue;
		if (ignored(tok)) {
			p->i++;
			continue;
		}
		if (cpp_is(tok, "typedef")) {
			*is_typedef = true;
			p->i++;
			continue;
		}
		if (cpp_is(tok, "struct") || cpp_is(tok, "union") || cpp_is(tok, "enum")) {
			if (t || words)
				break;
			t = tagged(p);
			*got = true;
			continue;
		}
		if (cpp_is(tok, "long")) { nlong++; words = true; p->i++; continue; }
		if (cpp_is(tok, "short")) { sh = true; words = true; p->i++; continue; }
		if (cpp_is(tok, "char")) { ch = true; words = true; p->i++; continue; }
		if (cpp_is(tok, "unsigned")) { un = true; words = true; p->i++; continue; }
		if (cpp_is(tok, "signed")) { si = true; words = true; p->i++; continue; }
		if (cpp_is(tok, "int")) { words = true; p->i++; continue; }
		if (cpp_is(tok, "_Bool")) { bo = true; words = true; p->i++; continue; }
		if (cpp_is(tok, "__int128")) { i128 = true; words = true; p->i++; continue; }
		if (cpp_is(tok, "float") || cpp_is(tok, "double") || cpp_is(tok, "_Float128") ||
		    cpp_is(tok, "_Float64") || cpp_is(tok, "_Float32") || cpp_is(tok, "__float128")) {
			/* no floating point in BPF: kept as bytes of the same size */
			fl = true;
			fsize = cpp_is(tok, "float") || cpp_is(tok, "_Float32") ? 4 : 8;
			words = true;
			p->i++;
			continue;
		}
		if (cpp_is(tok, "void")) { t = ty_void(); *got = true; p->i++; continue; }
		if (cpp_is(tok, "__builtin_va_list")) {
			t = ty_array(p->c->a, ty_int(8, false), 3);
			*got = true;
			p->i++;
			continue;
		}
		if (cpp_is(tok, "typeof") || cpp_is(tok, "__typeof__") || cpp_is(tok, "__typeof") ||
		    cpp_is(tok, "_Static_assert")) {
			fail(p, tok, "'%s' is not supported in C definitions", name_of(p, tok));
			return ty_none();
		}
		if (t || words)
			break;
		/* A typedef name, only where no type was given yet. */
		const struct ty *td = cdefs_typedef(p->c, name_of(p, tok));
		if (!td)
			break;
		t = td;
		*got = true;
		p->i++;
	}
	if (words && !t) {
		*got = true;
		if (fl) {
			/* named, so that it prints as bpftrace prints a type it
			 * cannot read: null */
			struct ty *f = ty_array(p->c->a, ty_int(1, false), nlong ? 16 : fsize);
			f->name = "float";
			return f;
		}
		return int_words(nlong, sh, ch, un, si, bo, i128);
	}
	return t ? t : ty_int(4, true);
}

/* A declarator: pointers, a name (or a parenthesised function-pointer
 * declarator), array sizes, parameter lists. */
static const struct ty *declarator(struct cp *p, const struct ty *base, const char **name)
{
	const struct ty *t = base;
	while (accept(p, "*")) {
		t = ty_ptr(p->c->a, t, TY_AS_NONE);
		while (peek(p)->kind == CPP_IDENT && (ignored(peek(p)) || skip_attrs(p, NULL)))
			if (ignored(peek(p)))
				p->i++;
	}
	skip_attrs(p, NULL);
	bool fnptr = false;
	uint32_t inner_arrays[8];
	unsigned ninner = 0;
	if (is(p, "(")) {
		/* (*name)(params), (*name[N])(params): a pointer to a function */
		p->i++;
		while (accept(p, "*") || (peek(p)->kind == CPP_IDENT && ignored(peek(p)) && (p->i++, true)))
			;
		if (peek(p)->kind == CPP_IDENT) {
			*name = name_of(p, peek(p));
			p->i++;
		}
		while (is(p, "[") && ninner < 8) {
			size_t b = ++p->i;
			while (p->i < p->n && !is(p, "]"))
				p->i++;
			int64_t v = 0;
			const_expr(p, b, p->i, &v);
			inner_arrays[ninner++] = (uint32_t)v;
			p->i++;
		}
		if (!accept(p, ")")) {
			fail(p, peek(p), "expected ')' in a declarator, found '%s'", name_of(p, peek(p)));
			return ty_none();
		}
		fnptr = true;
	} else if (peek(p)->kind == CPP_IDENT && !is(p, "__attribute__")) {
		*name = name_of(p, peek(p));
		p->i++;
	}
	/* Array sizes, outermost first: int a[2][3] is 2 arrays of 3. */
	int64_t dims[8];
	unsigned ndims = 0;
	while (is(p, "[")) {
		size_t b = ++p->i;
		int depth = 0;
		while (p->i < p->n && !(is(p, "]") && depth == 0)) {
			if (is(p, "["))
				depth++;
			else if (is(p, "]"))
				depth--;
			p->i++;
		}
		int64_t v = 0;
		if (p->i > b && !const_expr(p, b, p->i, &v)) {
			fail(p, &p->t[b], "array size is not an integer constant%s", "");
			return ty_none();
		}
		if (v < 0 || v > (1 << 24)) {
			fail(p, &p->t[b], "invalid array size%s", "");
			return ty_none();
		}
		if (ndims < 8)
			dims[ndims++] = v;
		p->i++;
	}
	if (is(p, "(")) {
		skip_group(p);   /* a function's parameters: a function is no value here */
		if (!fnptr)
			t = ty_void();
	}
	if (fnptr)
		t = ty_ptr(p->c->a, ty_void(), TY_AS_NONE);
	for (unsigned k = ndims; k-- > 0;) {
		if (t == &plain_char && k == ndims - 1) {
			/* char[N]: a string. As upstream (which gives it N+1 bytes
			 * to say so), N chars without a NUL are the whole text. */
			struct ty *s = ty_string(p->c->a, (uint32_t)dims[k]);
			s->whole = true;
			t = s;
		} else {
			t = ty_array(p->c->a, t, (uint32_t)dims[k]);
		}
	}
	for (unsigned k = ninner; k-- > 0;)
		t = ty_array(p->c->a, t, inner_arrays[k]);
	skip_attrs(p, NULL);
	return t;
}

/* Past the end of a declaration we cannot read: its ';' at depth 0, or the
 * body of a function definition. */
static void skip_decl(struct cp *p)
{
	bool saw_paren = false;
	while (p->i < p->n) {
		if (is(p, ";")) {
			p->i++;
			return;
		}
		if (is(p, "{")) {
			skip_group(p);
			if (saw_paren)
				return;   /* a function definition */
			continue;
		}
		if (is(p, "(")) {
			saw_paren = true;
			skip_group(p);
			continue;
		}
		p->i++;
	}
}

static void declaration(struct cp *p)
{
	bool td = false, got = false;
	size_t start = p->i;
	const struct ty *base = parse_specs(p, &td, &got);
	if (p->bad || !got || p->i == start) {
		if (!p->bad && !peek(p)->sys && peek(p)->kind != CPP_EOF)
			fail(p, peek(p), "expected a C definition, found '%s'", name_of(p, peek(p)));
		return;
	}
	if (accept(p, ";"))
		return;
	do {
		const char *name = NULL;
		const struct ty *t = declarator(p, base, &name);
		if (p->bad)
			return;
		if (td && name && t->kind != TY_NONE) {
			struct cdefs_entry *e = cdefs_add(p->c, name, CDEFS_TYPEDEF);
			e->type = (struct ty *)t;
		}
		if (accept(p, "=")) {
			while (p->i < p->n && !is(p, ",") && !is(p, ";")) {
				if (is(p, "(") || is(p, "{"))
					skip_group(p);
				else
					p->i++;
			}
		}
		if (is(p, "{")) {   /* a function definition */
			skip_group(p);
			return;
		}
	} while (accept(p, ","));
	if (accept(p, ";"))
		return;
	if (!peek(p)->sys && peek(p)->kind != CPP_EOF)
		fail(p, peek(p), "expected ';' after a C definition, found '%s'", name_of(p, peek(p)));
	else if (p->i < p->n)
		p->bad = true;
}

/* Whether the script itself defines a struct or union the kernel's BTF
 * has. bpftrace's rule (0.17 and HEAD, its redefine_btf_type cases): a
 * script that redefines a kernel type gets no other types from BTF for its
 * definitions, and must define every type they use. */
static bool redefines_btf(struct cp *p)
{
	for (size_t i = 0; i + 2 < p->n; i++) {
		const struct cpp_tok *t = &p->t[i];
		if (t->sys || (!cpp_is(t, "struct") && !cpp_is(t, "union")) || p->t[i + 1].kind != CPP_IDENT ||
		    !cpp_is(&p->t[i + 2], "{"))
			continue;
		const char *tag = name_of(p, &p->t[i + 1]);
		if (sema_btf_record(p->c->a, tag, cpp_is(t, "union"), NULL))
			return true;
	}
	return false;
}

unsigned cdecl_parse(struct cdefs *c, const struct cpp_toks *toks)
{
	struct cp p = { .c = c, .t = toks->v, .n = toks->n };
	p.no_btf = redefines_btf(&p);
	while (p.i < p.n) {
		p.bad = false;
		p.reported = false;
		size_t before = p.i;
		if (accept(&p, ";"))
			continue;
		declaration(&p);
		if (p.bad) {
			/* from the declaration's start, so a broken struct body is
			 * skipped whole: one error for one mistake */
			p.i = before;
			skip_decl(&p);
		}
		if (p.i == before)
			p.i++;
	}
	return p.errors;
}
