/* btf: vmlinux BTF mapped read-only and indexed by hand, with libbpf's parse only on demand. */
#include "probes/btf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "common/arena.h"
#include "probes/fs.h"

static const char *vmlinux_path = "/sys/kernel/btf/vmlinux";

void rt_btf_set_path(const char *path)
{
	if (path)
		vmlinux_path = path;
}

static struct {
	int err;                 /* 0 before loading; 1 loaded; else -errno */
	const uint8_t *data;
	size_t size;
	bool mapped;
	const char *types, *strs;
	uint32_t types_len, strs_len;
	uint32_t *off;           /* id -> offset of its btf_type in types */
	uint32_t n;              /* ids 0..n-1; 0 is void */
	uint32_t *hash, hmask;   /* named ids by name, open addressing, 0 = empty */
	struct btf *lb;
	bool lb_failed;
	struct btf_dump *decl_dump;
	char *buf;               /* btf_dump output being captured */
	size_t len, cap;
} B;

/* Bytes a type occupies after its struct btf_type, by kind (linux/btf.h). */
static long type_extra(const struct btf_type *t)
{
	uint32_t vlen = BTF_INFO_VLEN(t->info);
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT: return sizeof(uint32_t);
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: return (long)(vlen * sizeof(struct btf_member));
	case BTF_KIND_ENUM: return (long)(vlen * sizeof(struct btf_enum));
	case BTF_KIND_ENUM64: return (long)(vlen * sizeof(struct btf_enum64));
	case BTF_KIND_FUNC_PROTO: return (long)(vlen * sizeof(struct btf_param));
	case BTF_KIND_VAR: return sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return (long)(vlen * sizeof(struct btf_var_secinfo));
	case BTF_KIND_DECL_TAG: return sizeof(struct btf_decl_tag);
	case BTF_KIND_UNKN:
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG: return 0;
	default: return -1;
	}
}

static int fail(struct diag *d, int e, const char *what)
{
	B.err = -e;
	if (d)
		diag_plain(d, DIAG_ERROR, "cannot read kernel BTF %s: %s", vmlinux_path, what);
	return -e;
}

static int index_types(void)
{
	uint32_t cap = 1 << 17, pos = 0;
	B.off = xmalloc(cap * sizeof(*B.off));
	B.off[0] = 0;
	B.n = 1;
	while (pos + sizeof(struct btf_type) <= B.types_len) {
		const struct btf_type *t = (const void *)(B.types + pos);
		long extra = type_extra(t);
		if (extra < 0)
			return -EINVAL;
		if (B.n == cap)
			B.off = xrealloc(B.off, (cap *= 2) * sizeof(*B.off));
		B.off[B.n++] = pos;
		pos += (uint32_t)(sizeof(*t) + (size_t)extra);
	}
	return pos == B.types_len ? 0 : -EINVAL;
}

int rt_btf_load(struct diag *d)
{
	if (B.err)
		return B.err < 0 ? B.err : 0;
	int fd = open(vmlinux_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(d, errno, strerror(errno));
	struct stat st;
	/* sysfs can map it since kernel 6.16; reading it costs 4 KiB a syscall. */
	if (!fstat(fd, &st) && st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			B.data = p;
			B.size = (size_t)st.st_size;
			B.mapped = true;
		}
	}
	close(fd);
	if (!B.data) {
		char *p = rt_fs_read(AT_FDCWD, vmlinux_path, &B.size);
		if (!p)
			return fail(d, errno, strerror(errno));
		B.data = (const uint8_t *)p;
	}

	const struct btf_header *h = (const void *)B.data;
	if (B.size < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len > B.size ||
	    (uint64_t)h->hdr_len + h->type_off + h->type_len > B.size ||
	    (uint64_t)h->hdr_len + h->str_off + h->str_len > B.size)
		return fail(d, EINVAL, "bad header");
	B.types = (const char *)B.data + h->hdr_len + h->type_off;
	B.types_len = h->type_len;
	B.strs = (const char *)B.data + h->hdr_len + h->str_off;
	B.strs_len = h->str_len;
	if (index_types())
		return fail(d, EINVAL, "unknown type kind");
	B.err = 1;
	return 0;
}

uint32_t rt_btf_count(void) { return B.n; }

const struct btf_type *rt_btf_type(uint32_t id)
{
	return id && id < B.n ? (const void *)(B.types + B.off[id]) : NULL;
}

const char *rt_btf_str(uint32_t off)
{
	return off < B.strs_len ? B.strs + off : "";
}

const char *rt_btf_name(uint32_t id)
{
	const struct btf_type *t = rt_btf_type(id);
	return t ? rt_btf_str(t->name_off) : "";
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static void build_hash(void)
{
	uint32_t cap = 1;
	while (cap < B.n * 2)
		cap <<= 1;
	B.hash = xcalloc(cap, sizeof(*B.hash));
	B.hmask = cap - 1;
	for (uint32_t id = 1; id < B.n; id++) {
		const struct btf_type *t = rt_btf_type(id);
		if (!t->name_off)
			continue;
		uint32_t i = name_hash(rt_btf_str(t->name_off)) & B.hmask;
		while (B.hash[i])
			i = (i + 1) & B.hmask;
		B.hash[i] = id;
	}
}

int64_t rt_btf_find(const char *name, unsigned kind)
{
	if (B.err != 1)
		return -ENOENT;
	if (!B.hash)
		build_hash();
	for (uint32_t i = name_hash(name) & B.hmask; B.hash[i]; i = (i + 1) & B.hmask) {
		const struct btf_type *t = rt_btf_type(B.hash[i]);
		if (BTF_INFO_KIND(t->info) == kind && !strcmp(rt_btf_str(t->name_off), name))
			return B.hash[i];
	}
	return -ENOENT;
}

struct btf *rt_btf_libbpf(struct diag *d)
{
	if (B.lb || B.lb_failed)
		return B.lb;
	if (rt_btf_load(d))
		return NULL;
	B.lb = btf__new(B.data, (uint32_t)B.size);
	if (!B.lb) {
		B.lb_failed = true;
		if (d)
			diag_plain(d, DIAG_ERROR, "libbpf cannot parse %s: %s", vmlinux_path,
				   strerror(errno));
	}
	return B.lb;
}

static void capture(void *ctx, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if (B.len + (size_t)n + 1 > B.cap) {
		B.cap = (B.len + (size_t)n + 1) * 2;
		B.buf = xrealloc(B.buf, B.cap);
	}
	vsnprintf(B.buf + B.len, B.cap - B.len, fmt, ap);
	B.len += (size_t)n;
}

const char *rt_btf_decl(uint32_t id, char *buf, size_t size)
{
	snprintf(buf, size, "?");
	struct btf *lb = rt_btf_libbpf(NULL);
	if (!lb)
		return buf;
	if (!B.decl_dump)
		B.decl_dump = btf_dump__new(lb, capture, NULL, NULL);
	if (!B.decl_dump)
		return buf;
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "");
	B.len = 0;
	if (!btf_dump__emit_type_decl(B.decl_dump, id, &opts) && B.len)
		snprintf(buf, size, "%.*s", (int)B.len, B.buf);
	return buf;
}

int rt_btf_print_def(uint32_t id, FILE *f)
{
	struct btf *lb = rt_btf_libbpf(NULL);
	const struct btf_type *t = rt_btf_type(id);
	if (!lb || !t)
		return -ENOENT;
	/* btf_dump emits what the type depends on first, once per dump, so a
	 * fresh dump ends with the definition asked for: print that block. */
	struct btf_dump *dump = btf_dump__new(lb, capture, NULL, NULL);
	if (!dump)
		return -errno;
	B.len = 0;
	int err = btf_dump__dump_type(dump, id);
	btf_dump__free(dump);
	if (err || !B.len)
		return err ? err : -ENOENT;
	B.buf[B.len] = '\0';

	const char *kw = BTF_INFO_KIND(t->info) == BTF_KIND_STRUCT ? "struct"
		       : BTF_INFO_KIND(t->info) == BTF_KIND_UNION ? "union" : "enum";
	char head[512];
	int hn = snprintf(head, sizeof(head), "%s %s {\n", kw, rt_btf_str(t->name_off));
	const char *start = NULL;
	for (const char *p = B.buf; (p = strstr(p, head)); p += hn)
		if (p == B.buf || p[-1] == '\n')
			start = p;
	if (!start)
		start = B.buf;
	fputs(start, f);
	return 0;
}

const struct btf_type *rt_btf_print_params(uint32_t func, unsigned first, FILE *f)
{
	const struct btf_type *fn = rt_btf_type(func);
	const struct btf_type *proto = fn ? rt_btf_type(fn->type) : NULL;
	if (!proto)
		return NULL;
	const struct btf_param *p = (const void *)(proto + 1);
	char decl[512];
	for (unsigned i = first; i < BTF_INFO_VLEN(proto->info); i++)
		if (p[i].type)
			fprintf(f, "    %s %s\n", rt_btf_decl(p[i].type, decl, sizeof(decl)),
				rt_btf_str(p[i].name_off));
	return proto;
}
