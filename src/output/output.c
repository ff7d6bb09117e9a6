/* output: the sink, values as text and JSON, symbols, and the events other than printf and maps. */
#include "output/output_impl.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <limits.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/arena.h"

/* ---- string builder ---------------------------------------------------- */

static void buf_reserve(struct out_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void out_buf_put(struct out_buf *b, const void *s, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void out_buf_puts(struct out_buf *b, const char *s)
{
	out_buf_put(b, s, strlen(s));
}

void out_buf_putc(struct out_buf *b, char c)
{
	out_buf_put(b, &c, 1);
}

void out_buf_printf(struct out_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void out_buf_fini(struct out_buf *b)
{
	free(b->p);
	*b = (struct out_buf){ 0 };
}

void out_flush_buf(struct out_sink *s, struct out_buf *b)
{
	if (b->len)
		fwrite(b->p, 1, b->len, s->out);
	b->len = 0;
}

/* ---- sink -------------------------------------------------------------- */

struct out_sink *out_sink_new(FILE *out, FILE *err, enum out_mode mode)
{
	struct out_sink *s = xcalloc(1, sizeof(*s));
	s->out = out;
	s->err = err;
	s->mode = mode;
	return s;
}

static void free_fmts(struct out_sink *s)
{
	if (!s->fmts)
		return;
	for (uint32_t i = 0; i < s->desc->nevents; i++)
		fmt_fini(&s->fmts[i]);
	free(s->fmts);
	s->fmts = NULL;
}

void out_sink_free(struct out_sink *s)
{
	if (!s)
		return;
	free_fmts(s);
	out_flame_free(s);
	out_buf_fini(&s->line);
	free(s);
}

void out_sink_set_flamegraph(struct out_sink *s, FILE *f)
{
	s->flame = f;
}

void out_sink_set_desc(struct out_sink *s, const struct desc *d)
{
	free_fmts(s);
	s->desc = d;
	if (!d || !d->nevents)
		return;
	s->fmts = xcalloc(d->nevents, sizeof(*s->fmts));
	for (uint32_t i = 0; i < d->nevents; i++) {
		const struct desc_event *ev = &d->events[i];
		if ((ev->kind == DESC_EV_PRINTF || ev->kind == DESC_EV_CAT ||
		     ev->kind == DESC_EV_SYSTEM || ev->kind == DESC_EV_ERRORF ||
		     ev->kind == DESC_EV_WARNF) && ev->fmt)
			fmt_parse(ev->fmt, &s->fmts[i]);
	}
}

void out_sink_set_stack_reader(struct out_sink *s, out_stack_fn fn, void *ctx)
{
	s->stack = fn;
	s->stack_ctx = ctx;
}

void out_sink_set_usym(struct out_sink *s, out_usym_fn fn, void *ctx)
{
	s->usym = fn;
	s->usym_ctx = ctx;
}

void out_sink_set_usrc(struct out_sink *s, out_usrc_fn fn, void *ctx)
{
	s->usrc = fn;
	s->usrc_ctx = ctx;
}

void out_sink_set_ubuildid(struct out_sink *s, out_ubuildid_fn fn, void *ctx)
{
	s->ubuildid = fn;
	s->ubuildid_ctx = ctx;
}

/* The show_debug_info setting: one per process, set once before a run. */
static bool debug_info;

void out_set_debug_info(bool on)
{
	debug_info = on;
}

static const char *usym_of(struct out_sink *s, uint32_t pid, uint64_t addr, uint64_t *off,
			   const char **module)
{
	*module = NULL;
	return s->usym ? s->usym(s->usym_ctx, pid, addr, off, module) : NULL;
}

/* ---- JSON scalars -------------------------------------------------------- */

/* Escapes as upstream's JsonEmitter<std::string>, except that bytes >= 0x80
 * pass through (upstream turns them into \uffffff80, which is not JSON). */
void out_json_str(struct out_buf *b, const char *s, size_t n)
{
	out_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': out_buf_puts(b, "\\\""); break;
		case '\\': out_buf_puts(b, "\\\\"); break;
		case '\n': out_buf_puts(b, "\\n"); break;
		case '\r': out_buf_puts(b, "\\r"); break;
		case '\t': out_buf_puts(b, "\\t"); break;
		default:
			if (c < 0x20)
				out_buf_printf(b, "\\u%04x", c);
			else
				out_buf_putc(b, (char)c);
		}
	}
	out_buf_putc(b, '"');
}

void out_json_u64(struct out_buf *b, uint64_t v)
{
	double d = (double)v;
	if (d < 18446744073709551616.0 && (uint64_t)d == v)
		out_buf_printf(b, "%" PRIu64, v);
	else
		out_buf_printf(b, "\"%" PRIu64 "\"", v);
}

void out_json_i64(struct out_buf *b, int64_t v)
{
	double d = (double)v;
	if (d < 9223372036854775808.0 && d >= -9223372036854775808.0 && (int64_t)d == v)
		out_buf_printf(b, "%" PRId64, v);
	else
		out_buf_printf(b, "\"%" PRId64 "\"", v);
}

/* ---- kernel symbols ---------------------------------------------------- */

struct ksym {
	uint64_t addr;
	uint32_t name;     /* offset into ksyms.names */
	uint32_t seq;      /* file order, to keep the sort stable */
};

static struct {
	bool loaded;
	struct ksym *syms;
	size_t n;
	char *names;
} ksyms;

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Symbols at address 0 (all of them under kptr_restrict) are skipped. */
static void ksyms_load(void)
{
	ksyms.loaded = true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	size_t cap = 0, ncap = 0, nlen = 0;
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, f) > 0) {
		char *end;
		uint64_t addr = strtoull(line, &end, 16);
		if (!addr || *end != ' ')
			continue;
		char *name = strchr(end + 1, ' ');
		if (!name)
			continue;
		name++;
		size_t len = strcspn(name, " \t\n");
		if (!len)
			continue;
		if (ksyms.n == cap) {
			cap = cap ? 2 * cap : 65536;
			ksyms.syms = xrealloc(ksyms.syms, cap * sizeof(*ksyms.syms));
		}
		if (nlen + len + 1 > ncap) {
			ncap = ncap ? 2 * ncap : 1 << 20;
			while (nlen + len + 1 > ncap)
				ncap *= 2;
			ksyms.names = xrealloc(ksyms.names, ncap);
		}
		memcpy(ksyms.names + nlen, name, len);
		ksyms.names[nlen + len] = '\0';
		ksyms.syms[ksyms.n] = (struct ksym){ addr, (uint32_t)nlen, (uint32_t)ksyms.n };
		ksyms.n++;
		nlen += len + 1;
	}
	free(line);
	fclose(f);
	if (ksyms.n) /* qsort(NULL, 0, ...) is undefined */
		qsort(ksyms.syms, ksyms.n, sizeof(*ksyms.syms), ksym_cmp);
}

const char *out_ksym(uint64_t addr, uint64_t *off)
{
	if (!ksyms.loaded)
		ksyms_load();
	if (!ksyms.n || addr < ksyms.syms[0].addr)
		return NULL;
	size_t lo = 0, hi = ksyms.n;     /* last symbol with syms[i].addr <= addr */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms.syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* among symbols sharing that address, the first in file order */
	while (lo > 0 && ksyms.syms[lo - 1].addr == ksyms.syms[lo].addr)
		lo--;
	if (off)
		*off = addr - ksyms.syms[lo].addr;
	return ksyms.names + ksyms.syms[lo].name;
}

/* An address as upstream's stringify_addr (a void * on an ostream): "0x1f",
 * and "0" for null. */
static void put_addr(struct out_buf *b, uint64_t addr)
{
	if (addr)
		out_buf_printf(b, "0x%" PRIx64, addr);
	else
		out_buf_putc(b, '0');
}

/* ---- user names ------------------------------------------------------------ */

/* /etc/passwd, read once: upstream reads the file (not NSS) and takes the
 * first line whose uid field matches. */
static struct {
	bool loaded;
	char **name;
	uint64_t *uid;
	size_t n;
} users;

static void users_load(void)
{
	users.loaded = true;
	FILE *f = fopen("/etc/passwd", "r");
	if (!f)
		return;
	char *line = NULL;
	size_t lcap = 0, cap = 0;
	while (getline(&line, &lcap, f) > 0) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		char *end;
		errno = 0;
		unsigned long long uid = strtoull(c2 + 1, &end, 10);
		if (errno || end == c2 + 1 || (*end != ':' && *end != '\n' && *end))
			continue;
		if (users.n == cap) {
			cap = cap ? 2 * cap : 64;
			users.name = xrealloc(users.name, cap * sizeof(*users.name));
			users.uid = xrealloc(users.uid, cap * sizeof(*users.uid));
		}
		*c1 = '\0';
		users.name[users.n] = xstrdup(line);
		users.uid[users.n++] = uid;
	}
	free(line);
	fclose(f);
}

/* cgroup_path(): a cgroup id is the inode number of its directory. Every
 * cgroup hierarchy mounted is searched, as bpftrace does; the answer is
 * "NAME:/path" for each where the id is found ("unified" for cgroup2),
 * joined by ';'. */
static uint64_t cg_find_ino;
static char cg_found[PATH_MAX];

static int cg_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D && st->st_ino == cg_find_ino) {
		snprintf(cg_found, sizeof cg_found, "%s", path);
		return 1;
	}
	return 0;
}

static void put_cgroup_path(struct out_buf *b, uint64_t id)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	if (!f)
		return;
	char dev[256], dir[PATH_MAX], type[64], opts[1024];
	bool first = true;
	while (fscanf(f, "%255s %4095s %63s %1023s %*d %*d", dev, dir, type, opts) == 4) {
		bool v2 = !strcmp(type, "cgroup2");
		if (!v2 && strcmp(type, "cgroup"))
			continue;
		cg_find_ino = id;
		cg_found[0] = 0;
		if (nftw(dir, cg_visit, 16, FTW_PHYS) != 1)
			continue;
		const char *name = v2 ? "unified" : strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
		const char *rel = cg_found + strlen(dir);
		out_buf_printf(b, "%s%s:%s", first ? "" : ";", name, *rel ? rel : "/");
		first = false;
	}
	fclose(f);
}

static const char *user_name(uint64_t uid)
{
	if (!users.loaded)
		users_load();
	for (size_t i = 0; i < users.n; i++)
		if (users.uid[i] == uid)
			return users.name[i];
	return "";
}

/* ---- values ------------------------------------------------------------ */

static uint64_t rd_u(const uint8_t *p, uint32_t size)
{
	switch (size) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static int64_t rd_s(const uint8_t *p, uint32_t size)
{
	switch (size) {
	case 1: return (int8_t)*p;
	case 2: { int16_t v; memcpy(&v, p, 2); return v; }
	case 4: { int32_t v; memcpy(&v, p, 4); return v; }
	default: { int64_t v; memcpy(&v, p, 8); return v; }
	}
}

void out_put_hex(struct out_buf *b, const uint8_t *p, size_t n, bool keep_ascii,
		 bool escape_hex)
{
	for (size_t i = 0; i < n; i++) {
		if (keep_ascii && p[i] >= 32 && p[i] <= 126)
			out_buf_putc(b, (char)p[i]);
		else if (escape_hex)
			out_buf_printf(b, "\\x%02x", p[i]);
		else
			out_buf_printf(b, i == n - 1 ? "%02x" : "%02x ", p[i]);
	}
}

/* Upstream's str_trunc_trailer: a string that fills its capacity with no
 * NUL was cut short. One per process, set once before a run. */
static const char *trunc_trailer = "..";

void out_set_trunc_trailer(const char *s)
{
	if (s)
		trunc_trailer = s;
}

static void put_string(struct out_buf *b, const struct ty *t, const uint8_t *v, bool json)
{
	size_t n = strnlen((const char *)v, t->size);
	bool cut = t->size && n == t->size && !t->whole;
	if (!json) {
		out_buf_put(b, v, n);
		if (cut)
			out_buf_puts(b, trunc_trailer);
		return;
	}
	struct out_buf tmp = { 0 };
	out_buf_put(&tmp, v, n);
	if (cut)
		out_buf_puts(&tmp, trunc_trailer);
	out_json_str(b, tmp.p, tmp.len);
	out_buf_fini(&tmp);
}

static void put_int(struct out_buf *b, const struct ty *t, const uint8_t *v, bool json,
		    uint64_t div)
{
	if (t->nenums && !json && div == 1) {
		/* an enum value prints as its constant's name (current bpftrace) */
		int64_t x = t->is_signed ? rd_s(v, t->size) : (int64_t)rd_u(v, t->size);
		const char *name = ty_enum_name(t, x);
		if (name) {
			out_buf_puts(b, name);
			return;
		}
	}
	if (t->is_signed) {
		int64_t x = rd_s(v, t->size) / (int64_t)div;
		if (json)
			out_json_i64(b, x);
		else
			out_buf_printf(b, "%" PRId64, x);
	} else {
		uint64_t x = rd_u(v, t->size) / div;
		if (json)
			out_json_u64(b, x);
		else
			out_buf_printf(b, "%" PRIu64, x);
	}
}

/* A bitfield: the unit of the field's type, shifted and masked (not
 * sign-extended, as upstream). */
static void put_bitfield(struct out_sink *s, struct out_buf *b, const struct ty_field *f,
			 const uint8_t *rec, bool json, uint64_t div)
{
	/* only the bytes that hold the bits: the last field may end the record */
	uint32_t size = (f->bit_offset + f->bits + 7u) / 8u;
	uint64_t unit = rd_u(rec + f->offset, size > 8 ? 8 : size);
	uint64_t mask = f->bits >= 64 ? ~0ull : (1ull << f->bits) - 1;
	uint64_t x = (unit >> f->bit_offset) & mask;
	uint8_t tmp[8];
	memcpy(tmp, &x, sizeof(tmp));   /* little endian: the low bytes first */
	out_put_value(s, b, f->type, tmp, json, div);
}

static void put_record(struct out_sink *s, struct out_buf *b, const struct ty *t,
		       const uint8_t *v, bool json, uint64_t div)
{
	if (!json && !t->count) {
		out_buf_puts(b, "{}");
		return;
	}
	out_buf_puts(b, json ? "{" : "{ ");
	for (uint32_t i = 0; i < t->count; i++) {
		const struct ty_field *f = &t->fields[i];
		const char *name = f->name ? f->name : "";
		if (i)
			out_buf_puts(b, ", ");
		if (json) {
			out_json_str(b, name, strlen(name));
			out_buf_puts(b, ": ");
		} else {
			out_buf_printf(b, ".%s = ", name);
		}
		if (f->bits)
			put_bitfield(s, b, f, v, json, div);
		else
			out_put_value(s, b, f->type, v + f->offset, json, div);
	}
	out_buf_puts(b, json ? "}" : " }");
}

static void put_tuple(struct out_sink *s, struct out_buf *b, const struct ty *t,
		      const uint8_t *v, bool json, uint64_t div)
{
	out_buf_putc(b, json ? '[' : '(');
	for (uint32_t i = 0; i < t->count; i++) {
		if (i)
			out_buf_puts(b, json ? "," : ", ");
		out_put_value(s, b, t->fields[i].type, v + t->fields[i].offset, json, div);
	}
	out_buf_putc(b, json ? ']' : ')');
}

static void put_array(struct out_sink *s, struct out_buf *b, const struct ty *t,
		      const uint8_t *v, bool json, uint64_t div)
{
	uint32_t esz = ty_size(t->elem);
	out_buf_putc(b, '[');
	for (uint32_t i = 0; i < t->count; i++) {
		if (i)
			out_buf_putc(b, ',');
		out_put_value(s, b, t->elem, v + (size_t)i * esz, json, div);
	}
	out_buf_putc(b, ']');
}

static void put_buffer(struct out_buf *b, const struct ty *t, const uint8_t *v, bool json)
{
	uint32_t len;
	memcpy(&len, v, 4);
	if (t->size >= 4 && len > t->size - 4)
		len = t->size - 4;
	if (!json) {
		out_put_hex(b, v + 4, len, true, true);
		return;
	}
	/* upstream: an array of (signed) chars */
	out_buf_putc(b, '[');
	for (uint32_t i = 0; i < len; i++)
		out_buf_printf(b, i ? ",%d" : "%d", (int)(int8_t)v[4 + i]);
	out_buf_putc(b, ']');
}

#define STACK_MAX_FRAMES 1024

/* A stack value's frames, leaf first, read through the sink's stack hook
 * (up to the type's limit), and the pid its user frames belong to (the u32
 * after the value's 8-byte id). *ips stays valid until the next call. */
static int stack_frames(struct out_sink *s, const struct ty *t, const uint8_t *v,
			const uint64_t **ips, uint32_t *pid)
{
	static uint64_t buf[STACK_MAX_FRAMES];
	uint32_t max = t->stack_limit && t->stack_limit < STACK_MAX_FRAMES ?
		       t->stack_limit : STACK_MAX_FRAMES;
	memcpy(pid, v + 8, 4);
	*ips = buf;
	return s->stack ? s->stack(s->stack_ctx, t, v, buf, max) : 0;
}

/* bpftrace mode: a newline, then each frame indented 8 ("sym+off"); perf
 * mode: "\t<hex addr> sym+off", user frames followed by their object,
 * " (path)" or " ([unknown])"; raw: hex addresses. User frames are named
 * through the pid the value carries (after its 8-byte id). With
 * show_debug_info, a user frame's inlined calls come first ("[inlined]
 * f@file:line"; perf: "<hex addr> f (inlined)") and its own line ends with
 * "@file:line" (bpftrace mode). A caller's frame is looked up one byte
 * before its return address, inside the call. */
static void put_stack(struct out_sink *s, struct out_buf *b, const struct ty *t,
		      const uint8_t *v)
{
	uint32_t pid;
	const uint64_t *ips;
	int n = stack_frames(s, t, v, &ips, &pid);
	out_buf_putc(b, '\n');
	for (int i = 0; i < n; i++) {
		uint64_t ip = ips[i];
		if (ip == UINT64_MAX) {
			out_buf_puts(b, "        <unwind failure>\n");
			break;
		}
		if (t->stack_mode == 2) {
			out_buf_printf(b, "%" PRIx64 "\n", ip);
			continue;
		}
		if (t->stack_mode == 3) {
			/* build_id: the object's build id and the file offset, what
			 * a symboliser elsewhere needs; unknown: the address */
			const char *id;
			uint64_t foff;
			if (s->ubuildid && s->ubuildid(s->ubuildid_ctx, pid, ip, &id, &foff))
				out_buf_printf(b, "%s 0x%" PRIx64 "\n", id, foff);
			else
				out_buf_printf(b, "0x%" PRIx64 "\n", ip);
			continue;
		}
		if (t->stack_mode == 1)
			out_buf_printf(b, "\t%" PRIx64 " ", ip);
		else
			out_buf_puts(b, "        ");
		struct out_src_frame src[16];
		int nsrc = t->stack_user && debug_info && s->usrc ?
			   s->usrc(s->usrc_ctx, pid, i ? ip - 1 : ip, src, 16) : 0;
		for (int k = 0; k < nsrc && src[k].inlined; k++) {
			const char *f = src[k].func ? src[k].func : "??";
			if (t->stack_mode == 1) {
				out_buf_printf(b, "%s (inlined)\n\t%" PRIx64 " ", f, ip);
				continue;
			}
			out_buf_printf(b, "[inlined] %s", f);
			if (src[k].file)
				out_buf_printf(b, "@%s:%" PRIu32, src[k].file, src[k].line);
			out_buf_puts(b, "\n        ");
		}
		uint64_t off = 0;
		const char *module = NULL;
		const char *sym = t->stack_user ? usym_of(s, pid, ip, &off, &module) : out_ksym(ip, &off);
		if (sym)
			out_buf_printf(b, "%s+%" PRIu64, sym, off);
		else
			put_addr(b, ip);
		if (nsrc && !src[nsrc - 1].inlined && src[nsrc - 1].file && t->stack_mode != 1)
			out_buf_printf(b, "@%s:%" PRIu32, src[nsrc - 1].file, src[nsrc - 1].line);
		if (t->stack_user && t->stack_mode == 1)
			out_buf_printf(b, " (%s)", module ? module : "[unknown]");
		out_buf_putc(b, '\n');
	}
}

/* One stack's frames for a folded line, root first (the kernel hands them
 * leaf first); a frame without a symbol is its address. */
static void put_stack_folded(struct out_sink *s, struct out_buf *b, const struct ty *t,
			     const uint8_t *v)
{
	uint32_t pid;
	const uint64_t *ips;
	int n = stack_frames(s, t, v, &ips, &pid);
	bool first = true;
	for (int i = n - 1; i >= 0; i--) {
		uint64_t ip = ips[i];
		if (ip == UINT64_MAX)
			continue;
		uint64_t off = 0;
		const char *module = NULL;
		const char *sym = t->stack_user ? usym_of(s, pid, ip, &off, &module) : out_ksym(ip, &off);
		if (!first)
			out_buf_putc(b, ';');
		first = false;
		if (sym)
			out_buf_puts(b, sym);
		else
			out_buf_printf(b, "0x%" PRIx64, ip);
	}
}

bool out_ty_has_stack(const struct ty *t)
{
	if (!t)
		return false;
	if (t->kind == TY_STACK)
		return true;
	if (t->kind == TY_TUPLE)
		for (uint32_t i = 0; i < t->count; i++)
			if (out_ty_has_stack(t->fields[i].type))
				return true;
	return false;
}

void out_put_folded(struct out_sink *s, struct out_buf *b, const struct ty *t, const void *value)
{
	const uint8_t *v = value;
	if (t->kind == TY_STACK) {
		put_stack_folded(s, b, t, v);
		return;
	}
	if (t->kind == TY_TUPLE) {
		/* @[kstack, ustack, comm]: comm;user frames;kernel frames, the
		 * caller-to-callee order a flame graph stacks upwards */
		size_t start = b->len;
		for (uint32_t i = t->count; i-- > 0;) {
			size_t before = b->len;
			if (before > start)
				out_buf_putc(b, ';');
			size_t mark = b->len;
			out_put_folded(s, b, t->fields[i].type, v + t->fields[i].offset);
			if (b->len == mark)          /* an empty stack adds no frame */
				b->len = before;
		}
		return;
	}
	/* any other value is one frame: ';' and line ends would split it */
	struct out_buf x = { 0 };
	out_put_value(s, &x, t, v, false, 1);
	for (size_t i = 0; i < x.len; i++)
		out_buf_putc(b, x.p[i] == ';' || x.p[i] == '\n' || x.p[i] == ' ' ? '_' : x.p[i]);
	out_buf_fini(&x);
}

static void put_inet(struct out_buf *b, const uint8_t *v)
{
	uint64_t family;
	memcpy(&family, v, 8);
	char str[INET6_ADDRSTRLEN] = "";
	if (family == AF_INET)
		inet_ntop(AF_INET, v + 8, str, sizeof(str));
	else if (family == AF_INET6)
		inet_ntop(AF_INET6, v + 8, str, sizeof(str));
	out_buf_puts(b, str);
}

/* bpftrace's strftime() extensions: %f microseconds, %k nanoseconds and %l
 * milliseconds of the second, zero-padded. "%%" stays as it is. */
static void expand_subsec(struct out_buf *out, const char *fmt, uint64_t ns)
{
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == '%') {
			out_buf_puts(out, "%%");
			p++;
		} else if (p[0] == '%' && p[1] == 'f') {
			out_buf_printf(out, "%06" PRIu64, ns / 1000);
			p++;
		} else if (p[0] == '%' && p[1] == 'k') {
			out_buf_printf(out, "%09" PRIu64, ns);
			p++;
		} else if (p[0] == '%' && p[1] == 'l') {
			out_buf_printf(out, "%03" PRIu64, ns / 1000000);
			p++;
		} else {
			out_buf_putc(out, *p);
		}
	}
}

static int64_t boot_offset(struct out_sink *s)
{
	if (!s->boot_known) {
		struct timespec rt, bt;
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_BOOTTIME, &bt);
		s->boot_ns = (rt.tv_sec - bt.tv_sec) * 1000000000ll + (rt.tv_nsec - bt.tv_nsec);
		s->boot_known = true;
	}
	return s->boot_ns;
}

#define TIMESTAMP_MODE_BOOT 1
#define STRFTIME_MAX 1024

static void put_timestamp(struct out_sink *s, struct out_buf *b, const uint8_t *v)
{
	uint32_t id, mode;
	uint64_t ns;
	memcpy(&id, v, 4);
	memcpy(&mode, v + 4, 4);
	memcpy(&ns, v + 8, 8);
	const char *fmt = s->desc && id < s->desc->nstrftime ? s->desc->strftime_fmts[id] :
			  "%H:%M:%S";
	int64_t t = (int64_t)ns;
	if (mode == TIMESTAMP_MODE_BOOT)
		t += boot_offset(s);
	time_t sec = (time_t)(t / 1000000000);
	struct tm tm;
	if (!sec || !localtime_r(&sec, &tm)) {
		out_buf_puts(b, "(?)");
		return;
	}
	struct out_buf f = { 0 };
	expand_subsec(&f, fmt, (uint64_t)(t % 1000000000));
	char str[STRFTIME_MAX];
	size_t n = f.p ? strftime(str, sizeof(str), f.p, &tm) : 0;
	out_buf_fini(&f);
	if (!n)
		out_buf_puts(b, "(?)");
	else
		out_buf_put(b, str, n);
}

/* Types that print as text in both modes (strings in JSON). */
static void put_symbolic(struct out_sink *s, struct out_buf *b, const struct ty *t,
			 const uint8_t *v)
{
	uint64_t x = rd_u(v, 8), off;
	switch (t->kind) {
	case TY_KSYM: {
		const char *sym = out_ksym(x, &off);
		if (sym)
			out_buf_puts(b, sym);
		else
			put_addr(b, x);
		break;
	}
	case TY_USYM: {
		uint32_t pid;
		memcpy(&pid, v + 8, 4);
		const char *module, *sym = usym_of(s, pid, x, &off, &module);
		if (sym)
			out_buf_puts(b, sym);
		else
			put_addr(b, x);
		break;
	}
	case TY_USERNAME:
		out_buf_puts(b, user_name(x));
		break;
	case TY_INET:
		put_inet(b, v);
		break;
	case TY_MACADDR:
		out_buf_printf(b, "%02X:%02X:%02X:%02X:%02X:%02X", v[0], v[1], v[2], v[3], v[4], v[5]);
		break;
	case TY_ERRNO:
		out_buf_puts(b, strerror((int)x));
		break;
	case TY_TIMESTAMP:
		put_timestamp(s, b, v);
		break;
	case TY_STACK:
		put_stack(s, b, t, v);
		break;
	case TY_CGROUP_PATH:
		put_cgroup_path(b, rd_u(v + 8, 8));
		break;
	case TY_NONE: case TY_VOID: case TY_INT: case TY_BOOL: case TY_STRING:
	case TY_BUFFER: case TY_PTR: case TY_ARRAY: case TY_RECORD: case TY_TUPLE:
	case TY_AGG: case TY_MAP: case TY__COUNT:
		break;
	}
}

void out_put_value(struct out_sink *s, struct out_buf *b, const struct ty *t, const void *value,
		   bool json, uint64_t div)
{
	const uint8_t *v = value;
	if (!div)
		div = 1;
	switch (t ? t->kind : TY_NONE) {
	case TY_NONE: case TY_VOID: case TY_MAP: case TY__COUNT:
		out_buf_puts(b, "null");
		break;
	case TY_INT:
		put_int(b, t, v, json, div);
		break;
	case TY_BOOL:
		out_buf_puts(b, *v ? "true" : "false");
		break;
	case TY_STRING:
		put_string(b, t, v, json);
		break;
	case TY_BUFFER:
		put_buffer(b, t, v, json);
		break;
	case TY_PTR:
		if (json)
			out_json_u64(b, rd_u(v, 8));
		else
			out_buf_printf(b, "0x%" PRIx64, rd_u(v, 8));
		break;
	case TY_ARRAY:
		if (t->name && !strcmp(t->name, "float"))
			out_buf_puts(b, "null");   /* a C float: no value bpftrace can show */
		else
			put_array(s, b, t, v, json, div);
		break;
	case TY_RECORD:
		put_record(s, b, t, v, json, div);
		break;
	case TY_TUPLE:
		put_tuple(s, b, t, v, json, div);
		break;
	case TY_AGG: {
		struct out_agg a;
		out_agg_combine(t, v, 1, ty_size(t), &a);
		out_put_agg(b, t, &a, json, div);
		break;
	}
	case TY_STACK: case TY_KSYM: case TY_USYM: case TY_USERNAME: case TY_INET:
	case TY_TIMESTAMP: case TY_CGROUP_PATH: case TY_MACADDR: case TY_ERRNO:
		if (json) {
			struct out_buf tmp = { 0 };
			put_symbolic(s, &tmp, t, v);
			out_json_str(b, tmp.p ? tmp.p : "", tmp.len);
			out_buf_fini(&tmp);
		} else {
			put_symbolic(s, b, t, v);
		}
		break;
	}
}

char *out_value_str(struct out_sink *s, const struct ty *t, const void *value, bool json,
		    size_t *len)
{
	struct out_buf b = { 0 };
	out_put_value(s, &b, t, value, json, 1);
	out_buf_put(&b, "", 0);
	if (len)
		*len = b.len;
	return b.p;
}

/* ---- events ------------------------------------------------------------ */

/* {"type": T, "data": "<s>"} */
static void json_string_event(struct out_sink *s, const char *type, const char *data, size_t n)
{
	struct out_buf b = { 0 };
	out_buf_printf(&b, "{\"type\": \"%s\", \"data\": ", type);
	out_json_str(&b, data, n);
	out_buf_puts(&b, "}\n");
	out_flush_buf(s, &b);
	out_buf_fini(&b);
}

void out_value(struct out_sink *s, const struct ty *t, const void *value)
{
	struct out_buf b = { 0 };
	bool json = s->mode == OUT_JSON;
	if (json)
		out_buf_puts(&b, "{\"type\": \"value\", \"data\": ");
	out_put_value(s, &b, t, value, json, 1);
	out_buf_puts(&b, json ? "}\n" : "\n");
	out_flush_buf(s, &b);
	out_buf_fini(&b);
}

/* upstream's AsyncHandlers::MAX_TIME_STR_LEN */
#define TIME_STR_MAX 64

void out_time(struct out_sink *s, const char *fmt)
{
	char str[TIME_STR_MAX];
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm))
		return;
	size_t n = strftime(str, sizeof(str), fmt ? fmt : "%H:%M:%S\n", &tm);
	if (!n)
		return;
	if (s->mode == OUT_JSON)
		json_string_event(s, "time", str, n);
	else
		fwrite(str, 1, n, s->out);
}

void out_join(struct out_sink *s, const struct desc_event *ev, const void *record)
{
	if (!ev->nargs)
		return;
	const struct ty *t = ev->args[0].type;
	const uint8_t *v = (const uint8_t *)record + ev->args[0].offset;
	const char *sep = ev->fmt ? ev->fmt : " ";
	struct out_buf b = { 0 };
	if (t->kind == TY_ARRAY && t->elem) {
		uint32_t esz = ty_size(t->elem);
		for (uint32_t i = 0; i < t->count; i++) {
			const char *str = (const char *)v + (size_t)i * esz;
			if (!esz || !str[0])
				break;
			if (i)
				out_buf_puts(&b, sep);
			out_buf_put(&b, str, strnlen(str, esz));
		}
	} else {
		out_put_value(s, &b, t, v, false, 1);
	}
	if (s->mode == OUT_JSON) {
		json_string_event(s, "join", b.p ? b.p : "", b.len);
	} else {
		out_buf_putc(&b, '\n');
		out_flush_buf(s, &b);
	}
	out_buf_fini(&b);
}

void out_cat(struct out_sink *s, const char *data, size_t len)
{
	if (s->mode == OUT_JSON)
		json_string_event(s, "cat", data, len);
	else
		fwrite(data, 1, len, s->out);
}

void out_syscall(struct out_sink *s, const char *data, size_t len)
{
	if (s->mode == OUT_JSON) {
		json_string_event(s, "syscall", data, len);
	} else {
		fwrite(data, 1, len, s->out);
		fputc('\n', s->out);
	}
}

void out_attached(struct out_sink *s, uint64_t nprobes)
{
	if (s->mode == OUT_JSON)
		fprintf(s->out, "{\"type\": \"attached_probes\", \"count\": %" PRIu64
			", \"data\": {\"probes\": %" PRIu64 "}}\n", nprobes, nprobes);
	else
		fprintf(s->err, "Attached %" PRIu64 " probe%s\n", nprobes,
			nprobes == 1 ? "" : "s");
}

void out_lost(struct out_sink *s, uint64_t nevents)
{
	if (s->mode == OUT_JSON)
		fprintf(s->out, "{\"type\": \"lost_events\", \"count\": %" PRIu64
			", \"data\": {\"events\": %" PRIu64 "}}\n", nevents, nevents);
	else
		fprintf(s->err, "Lost %" PRIu64 " events\n", nevents);
}

void out_end(struct out_sink *s)
{
	if (s->mode == OUT_TEXT)
		fputs("\n\n", s->out);
}

void out_bench_result(struct out_sink *s, const char *const *names, size_t n, size_t index,
		      uint64_t avg_ns, uint64_t iters)
{
	struct out_buf b = { 0 };
	if (s->mode == OUT_JSON) {
		out_buf_puts(&b, "{\"type\": \"benchmark_result\", \"data\": {");
		out_json_str(&b, names[index], strlen(names[index]));
		out_buf_printf(&b, ": {\"average\": %" PRIu64 ", \"iters\": %" PRIu64 "}}}\n", avg_ns, iters);
	} else {
		/* bpftrace's table: names in at least 40 columns, then 15 */
		int w = 40;
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(names[i]) > w)
				w = (int)strlen(names[i]);
		if (index == 0) {
			out_buf_printf(&b, "%-*s%-15s%s\n", w + 1, "Benchmark", "Time(ns)", "Iterations");
			for (int i = 0; i < w + 1 + 15 + 10; i++)
				out_buf_putc(&b, '-');
			out_buf_putc(&b, '\n');
		}
		out_buf_printf(&b, "%-*s%-15" PRIu64 "%" PRIu64 "\n", w + 1, names[index], avg_ns, iters);
	}
	out_flush_buf(s, &b);
	out_buf_fini(&b);
}
