/* cpp_file: directives (#include, #define, #if...), the header search path, and the preprocessor's entry points. */
#include "ast/cpp_impl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- directives and files ---- */

static bool active(const struct cpp *p)
{
	return p->ncond == 0 || p->cond[p->ncond - 1].active;
}

void cpp_err(struct cpp *p, bool sys, struct span at, const char *fmt, const char *arg)
{
	if (sys)
		return;
	p->errors++;
	/* clang's word for what stops it (bpftrace's C parser) */
	diag_clang(p->d, strstr(fmt, "file not found") ? "fatal error" : "error", at, fmt, arg);
}

/* defined X, defined(X) and __has_include(...) answered before expansion. */
static unsigned process_file(struct cpp *p, const char *path, struct span at);
static char *resolve(struct cpp *p, const char *name, bool angled, const char *cur_dir, const char *after);

static void if_operands(struct cpp *p, const struct cpp_tok *t, size_t n, struct cpp_toks *out, const char *cur)
{
	for (size_t i = 0; i < n; i++) {
		if (cpp_is(&t[i], "defined")) {
			size_t j = i + 1;
			bool paren = j < n && cpp_is(&t[j], "(");
			if (paren)
				j++;
			bool def = j < n && t[j].kind == CPP_IDENT && cpp_macro_find(p, t[j].s, t[j].len);
			if (paren && j + 1 < n)
				j++;
			i = j;
			cpp_toks_push(p, out, (struct cpp_tok){ .kind = CPP_NUM, .s = def ? "1" : "0", .len = 1 });
			continue;
		}
		if ((cpp_is(&t[i], "__has_include") || cpp_is(&t[i], "__has_include_next")) &&
		    i + 1 < n && cpp_is(&t[i + 1], "(")) {
			size_t j = i + 2;
			char name[512] = "";
			bool angled = j < n && cpp_is(&t[j], "<");
			if (j < n && t[j].kind == CPP_STR) {
				snprintf(name, sizeof(name), "%.*s", (int)t[j].len - 2, t[j].s + 1);
			} else if (angled) {
				size_t w = 0;
				for (j++; j < n && !cpp_is(&t[j], ">"); j++)
					w += (size_t)snprintf(name + w, sizeof(name) - w, "%.*s", (int)t[j].len, t[j].s);
			}
			while (j < n && !cpp_is(&t[j], ")"))
				j++;
			i = j;
			bool found = *name && resolve(p, name, angled, cur, NULL) != NULL;
			cpp_toks_push(p, out, (struct cpp_tok){ .kind = CPP_NUM, .s = found ? "1" : "0", .len = 1 });
			continue;
		}
		cpp_toks_push(p, out, t[i]);
	}
}

static bool eval_if(struct cpp *p, const struct cpp_tok *t, size_t n, const char *cur)
{
	struct cpp_toks a = { 0 }, b = { 0 };
	if_operands(p, t, n, &a, cur);
	cpp_expand(p, a.v, a.n, &b);
	int64_t v;
	/* Names left after expansion are 0, as C says; the callback is for
	 * scripts, not for #if. */
	cpp_ident_fn saved = p->ident;
	p->ident = NULL;
	bool ok = cpp_eval(p, b.v, b.n, true, &v);
	p->ident = saved;
	return ok && v != 0;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The header `name` along the search list: "..." first in cur_dir, then
 * the -I directories, then the system's. `after`: #include_next starts
 * after this directory. Arena-allocated path, or NULL. */
static char *resolve(struct cpp *p, const char *name, bool angled, const char *cur_dir, const char *after)
{
	if (name[0] == '/')
		return file_exists(name) ? arena_strdup(p->a, name) : NULL;
	if (!angled && !after) {
		char *c = arena_printf(p->a, "%s/%s", cur_dir ? cur_dir : ".", name);
		if (file_exists(c))
			return c;
	}
	bool skipping = after != NULL;
	for (unsigned i = 0; i < p->ndirs; i++) {
		if (skipping) {
			if (!strcmp(p->dirs[i], after))
				skipping = false;
			continue;
		}
		char *c = arena_printf(p->a, "%s/%s", p->dirs[i], name);
		if (file_exists(c))
			return c;
	}
	return NULL;
}

/* Kernel header directories: with vmlinux BTF their types need no header,
 * so a missing one is no error (bpftrace's tools include them under
 * #ifndef BPFTRACE_HAVE_BTF, and others unconditionally). */
static bool kernel_header(const char *name)
{
	static const char *const dirs[] = { "linux/", "asm/", "asm-generic/", "net/", "uapi/", "trace/",
					    "kernel/", "scsi/", "crypto/", "keys/", "drm/", "video/", "sound/" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (!strncmp(name, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

static void directive(struct cpp *p, const struct cpp_tok *t, size_t n, struct span at, bool sys,
		      const char *cur_dir, const char *cur_in)
{
	if (n == 0)
		return;   /* the null directive */
	const struct cpp_tok *d = &t[0];
	t++;
	n--;
	if (cpp_is(d, "if") || cpp_is(d, "ifdef") || cpp_is(d, "ifndef")) {
		if (p->ncond >= MAX_COND) {
			cpp_err(p, sys, at, "#if nested too deeply%s", "");
			return;
		}
		struct cond c = { .parent = active(p), .at = at };
		if (c.parent) {
			if (cpp_is(d, "if"))
				c.active = eval_if(p, t, n, cur_dir);
			else
				c.active = (n > 0 && cpp_macro_find(p, t[0].s, t[0].len)) == cpp_is(d, "ifdef");
		}
		c.taken = c.active;
		p->cond[p->ncond++] = c;
		return;
	}
	if (cpp_is(d, "elif") || cpp_is(d, "else") || cpp_is(d, "endif") ||
	    cpp_is(d, "elifdef") || cpp_is(d, "elifndef")) {
		if (p->ncond == 0) {
			cpp_err(p, sys, at, "#%s without #if", arena_strndup(p->a, d->s, d->len));
			return;
		}
		struct cond *c = &p->cond[p->ncond - 1];
		if (cpp_is(d, "endif")) {
			p->ncond--;
		} else if (cpp_is(d, "else")) {
			c->active = c->parent && !c->taken;
			c->taken = true;
			c->seen_else = true;
		} else {
			bool v = false;
			if (c->parent && !c->taken) {
				if (cpp_is(d, "elif"))
					v = eval_if(p, t, n, cur_dir);
				else
					v = (n > 0 && cpp_macro_find(p, t[0].s, t[0].len)) == cpp_is(d, "elifdef");
			}
			c->active = v;
			c->taken = c->taken || v;
		}
		return;
	}
	if (!active(p))
		return;
	if (cpp_is(d, "define")) {
		if (!cpp_define(p, t, n))
			cpp_err(p, sys, at, "invalid #define%s", "");
		return;
	}
	if (cpp_is(d, "undef")) {
		if (n > 0)
			cpp_macro_undef(p, t[0].s, t[0].len);
		return;
	}
	if (cpp_is(d, "include") || cpp_is(d, "include_next")) {
		struct cpp_toks x = { 0 };
		if (n > 0 && t[0].kind == CPP_IDENT) {
			cpp_expand(p, t, n, &x);
			t = x.v;
			n = x.n;
		}
		char name[1024];
		bool angled;
		/* the name as written is where clang points when it is not found */
		struct span name_at = at;
		if (n >= 1 && t[0].kind == CPP_STR) {
			snprintf(name, sizeof(name), "%.*s", (int)t[0].len - 2, t[0].s + 1);
			angled = false;
			if (!x.n)
				name_at = t[0].at;
		} else if (n >= 3 && cpp_is(&t[0], "<")) {
			size_t w = 0, i;
			name[0] = '\0';
			for (i = 1; i < n && !cpp_is(&t[i], ">") && w < sizeof(name); i++)
				w += (size_t)snprintf(name + w, sizeof(name) - w, "%.*s", (int)t[i].len, t[i].s);
			angled = true;
			if (!x.n)
				name_at = span_join(t[0].at, t[i < n ? i : n - 1].at);
		} else {
			cpp_err(p, sys, at, "#include expects \"FILENAME\" or <FILENAME>%s", "");
			return;
		}
		const char *after = cpp_is(d, "include_next") && sys ? cur_in : NULL;
		char *path = resolve(p, name, angled, cur_dir, after);
		if (!path) {
			if (!sys && !(angled && kernel_header(name)))
				cpp_err(p, false, name_at, "'%s' file not found", name);
			return;
		}
		if (p->depth >= MAX_INCLUDE_DEPTH) {
			cpp_err(p, sys, at, "#include nested too deeply (at %s)", name);
			return;
		}
		p->errors += process_file(p, path, at);
		return;
	}
	if (cpp_is(d, "error")) {
		cpp_err(p, sys, at, "#error%s", arena_strndup(p->a, n ? t[0].s - 1 : "", n ? (size_t)(t[n - 1].s + t[n - 1].len - t[0].s + 1) : 0));
		return;
	}
	/* #pragma, #warning, #line, #ident: nothing for us to do. */
}

/* The directory part of a path, arena-allocated ("." for none). */
static const char *dir_of(struct cpp *p, const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? arena_strndup(p->a, path, s == path ? 1 : (size_t)(s - path)) : ".";
}

/* The search directory a header was found in, for #include_next. */
static const char *found_in(struct cpp *p, const char *path)
{
	for (unsigned i = 0; i < p->ndirs; i++) {
		size_t n = strlen(p->dirs[i]);
		if (!strncmp(path, p->dirs[i], n) && path[n] == '/')
			return p->dirs[i];
	}
	return NULL;
}

/* A header: logical lines (continuations joined), directives run, runs
 * of text between them expanded and appended to the output. */
static unsigned process_file(struct cpp *p, const char *path, struct span at)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t cap = 65536, n = 0;
	char *buf = arena_alloc(p->a, cap);
	for (;;) {
		if (cap - n < 4096) {
			char *nb = arena_alloc(p->a, cap * 2);
			memcpy(nb, buf, n);
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	/* Comments out first (a directive may follow a block comment's end,
	 * and a comment may hide a '#'); line joins out too. */
	char *s = arena_alloc(p->a, n + 1);
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		if (buf[i] == '\\' && buf[i + 1] == '\n') {
			i += 2;
		} else if (buf[i] == '/' && buf[i + 1] == '*') {
			i += 2;
			while (i < n && !(buf[i] == '*' && buf[i + 1] == '/'))
				i++;
			i = i < n ? i + 2 : n;
			s[w++] = ' ';
		} else if (buf[i] == '/' && buf[i + 1] == '/') {
			while (i < n && buf[i] != '\n')
				i++;
		} else if (buf[i] == '"' || buf[i] == '\'') {
			char q = buf[i];
			s[w++] = buf[i++];
			while (i < n && buf[i] != q && buf[i] != '\n') {
				if (buf[i] == '\\' && i + 1 < n)
					s[w++] = buf[i++];
				s[w++] = buf[i++];
			}
			if (i < n && buf[i] == q)
				s[w++] = buf[i++];
		} else {
			s[w++] = buf[i++];
		}
	}
	s[w] = '\0';
	const char *cur_dir = dir_of(p, path), *cur_in = found_in(p, path);
	p->depth++;
	int ncond0 = p->ncond;
	struct cpp_toks text = { 0 };
	for (size_t i = 0; i < w;) {
		size_t e = i;
		while (e < w && s[e] != '\n')
			e++;
		size_t b = i;
		while (b < e && (s[b] == ' ' || s[b] == '\t'))
			b++;
		if (b < e && s[b] == '#') {
			if (text.n) {
				cpp_expand(p, text.v, text.n, &p->out);
				text.n = 0;
			}
			struct cpp_toks l = { 0 };
			cpp_tokenize(p, s + b + 1, e - b - 1, at, true, &l);
			directive(p, l.v, l.n, at, true, cur_dir, cur_in);
		} else if (active(p)) {
			cpp_tokenize(p, s + i, e - i, at, true, &text);
		}
		i = e + 1;
	}
	if (text.n)
		cpp_expand(p, text.v, text.n, &p->out);
	p->ncond = p->ncond > ncond0 ? ncond0 : p->ncond;   /* a header's unterminated #if ends with it */
	p->depth--;
	return 0;
}

unsigned cpp_script(struct cpp *p, const char *text, size_t len, struct span at)
{
	unsigned before = p->errors;
	size_t b = 0;
	while (b < len && (text[b] == ' ' || text[b] == '\t'))
		b++;
	if (b < len && text[b] == '#') {
		struct cpp_toks l = { 0 };
		struct span s = at;
		s.off += (uint32_t)(b + 1);
		s.col += (uint32_t)(b + 1);
		cpp_tokenize(p, text + b + 1, len - b - 1, s, false, &l);
		directive(p, l.v, l.n, at, false, p->script_dir, NULL);
		return p->errors - before;
	}
	if (!active(p))
		return 0;
	struct cpp_toks l = { 0 };
	cpp_tokenize(p, text, len, at, false, &l);
	cpp_expand(p, l.v, l.n, &p->out);
	/* bpftrace takes `struct A { ... }` without its ';' */
	if (p->out.n && !cpp_is(&p->out.v[p->out.n - 1], ";")) {
		struct cpp_tok semi = p->out.v[p->out.n - 1];
		semi.kind = CPP_PUNCT;
		semi.s = ";";
		semi.len = 1;
		semi.hide = NULL;
		cpp_toks_push(p, &p->out, semi);
	}
	return p->errors - before;
}

unsigned cpp_force_include(struct cpp *p, const char *path)
{
	char *full = resolve(p, path, false, p->script_dir, NULL);
	if (!full) {
		p->errors++;
		diag_plain(p->d, DIAG_ERROR, "--include: '%s' file not found", path);
		return 1;
	}
	return process_file(p, full, (struct span){ 0 });
}

unsigned cpp_finish(struct cpp *p)
{
	unsigned errors = 0;
	while (p->ncond > 0) {
		struct cond *c = &p->cond[--p->ncond];
		diag_clang(p->d, "error", c->at, "unterminated conditional directive");
		errors++;
	}
	p->errors += errors;
	return errors;
}

const struct cpp_toks *cpp_output(const struct cpp *p)
{
	return &p->out;
}

/* gcc's own headers (stddef.h, stdarg.h) sit in a versioned directory. */
static const char *gcc_include_dir(struct cpp *p)
{
	const char *base = "/usr/lib/gcc/x86_64-linux-gnu";
	DIR *d = opendir(base);
	if (!d)
		return NULL;
	const char *best = NULL;
	long bestv = -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (end == e->d_name || v <= bestv)
			continue;
		char *c = arena_printf(p->a, "%s/%s/include", base, e->d_name);
		if (file_exists(arena_printf(p->a, "%s/stddef.h", c))) {
			best = c;
			bestv = v;
		}
	}
	closedir(d);
	return best;
}

struct cpp *cpp_new(struct arena *a, struct diag *d, const char *const *dirs, unsigned ndirs,
		    const char *script_dir)
{
	struct cpp *p = arena_alloc(a, sizeof(*p));
	p->nhash = NHASH;
	p->hash = arena_alloc(a, NHASH * sizeof(*p->hash));
	p->a = a;
	p->d = d;
	p->script_dir = script_dir;
	const char *sys[] = { "/usr/local/include", gcc_include_dir(p), "/usr/include/x86_64-linux-gnu", "/usr/include" };
	p->dirs = arena_alloc(a, (ndirs + 4) * sizeof(*p->dirs));
	for (unsigned i = 0; i < ndirs; i++)
		p->dirs[p->ndirs++] = dirs[i];
	p->nuser = ndirs;
	for (size_t i = 0; i < 4; i++)
		if (sys[i])
			p->dirs[p->ndirs++] = sys[i];
	/* What gcc would predefine on this machine, enough for glibc's and
	 * the kernel's uapi headers to take their x86-64 paths. */
	static const char *const pre[][2] = {
		{ "__STDC__", "1" }, { "__STDC_VERSION__", "201710L" }, { "__STDC_HOSTED__", "1" },
		{ "__GNUC__", "12" }, { "__GNUC_MINOR__", "2" }, { "__GNUC_PATCHLEVEL__", "0" },
		{ "__x86_64__", "1" }, { "__x86_64", "1" }, { "__amd64__", "1" }, { "__amd64", "1" },
		{ "__linux__", "1" }, { "__linux", "1" }, { "__unix__", "1" }, { "__unix", "1" },
		{ "__LP64__", "1" }, { "_LP64", "1" }, { "__ELF__", "1" }, { "__CHAR_BIT__", "8" },
		{ "__SIZEOF_INT__", "4" }, { "__SIZEOF_LONG__", "8" }, { "__SIZEOF_LONG_LONG__", "8" },
		{ "__SIZEOF_SHORT__", "2" }, { "__SIZEOF_POINTER__", "8" }, { "__SIZEOF_SIZE_T__", "8" },
		{ "__SIZEOF_INT128__", "16" }, { "__ORDER_LITTLE_ENDIAN__", "1234" },
		{ "__ORDER_BIG_ENDIAN__", "4321" }, { "__BYTE_ORDER__", "__ORDER_LITTLE_ENDIAN__" },
		{ "__INT_MAX__", "0x7fffffff" }, { "__LONG_MAX__", "0x7fffffffffffffffL" },
		{ "__SCHAR_MAX__", "0x7f" }, { "__SHRT_MAX__", "0x7fff" },
		{ "__LONG_LONG_MAX__", "0x7fffffffffffffffLL" }, { "__SIZE_TYPE__", "long unsigned int" },
		{ "__PTRDIFF_TYPE__", "long int" }, { "__WCHAR_TYPE__", "int" },
		{ "__CHAR16_TYPE__", "short unsigned int" }, { "__CHAR32_TYPE__", "unsigned int" },
		{ "__BPFTRACE__", "1" },
	};
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		cpp_predefine(p, pre[i][0], pre[i][1]);
	return p;
}
