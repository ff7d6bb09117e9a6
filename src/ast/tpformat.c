/* tpformat: a tracepoint's format file turned into the record type behind `args`. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "ast/sema.h"
#include "probes/btf.h"
#include "probes/tracefs.h"

static char *read_at(int dirfd, const char *path, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
}

static bool is_ident_char(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* One "field:DECL;\toffset:N;\tsize:N;\tsigned:N;" line. The offset and size
 * win over the C type: on this kernel `int dfd` takes 8 bytes. */
static bool parse_field(struct arena *a, const char *line, struct ty_field *f, enum ty_addrspace as)
{
	const char *decl = strstr(line, "field:");
	const char *off = strstr(line, "offset:"), *sz = strstr(line, "size:");
	const char *sg = strstr(line, "signed:");
	if (!decl || !off || !sz)
		return false;
	decl += 6;
	const char *semi = strchr(decl, ';');
	if (!semi)
		return false;
	uint32_t offset = (uint32_t)strtoul(off + 7, NULL, 10);
	uint32_t size = (uint32_t)strtoul(sz + 5, NULL, 10);
	bool is_signed = sg && sg[7] == '1';

	/* The name is the last identifier, before an optional [N]. */
	const char *end = semi;
	uint32_t count = 0;
	bool array = false;
	if (end > decl && end[-1] == ']') {
		const char *lb = end;
		while (lb > decl && *lb != '[')
			lb--;
		count = (uint32_t)strtoul(lb + 1, NULL, 10);
		array = true;
		end = lb;
	}
	const char *name = end;
	while (name > decl && is_ident_char(name[-1]))
		name--;
	f->name = arena_strndup(a, name, (size_t)(end - name));
	f->offset = offset;
	const char *type_end = name;
	unsigned ptr = 0;
	for (const char *p = decl; p < type_end; p++)
		ptr += *p == '*';
	bool is_char = false;
	for (const char *p = decl; p + 4 <= type_end; p++)
		if (!strncmp(p, "char", 4) && (p == decl || !is_ident_char(p[-1])) && !is_ident_char(p[4]))
			is_char = true;

	struct ty *t;
	if (!strncmp(decl, "__data_loc", 10)) {
		/* u32: offset of the data in the record (low 16) and its length. */
		t = ty_new(a, TY_INT);
		t->size = t->align = 4;
		t->name = "__data_loc";
	} else if (ptr) {
		/* `const char *const *argv` is int8 **; every level reads from `as`.
		 * "struct __kernel_timespec * rqtp" points at the kernel's type from
		 * BTF, so args->rqtp->tv_sec reads through it (naptime.bt). */
		const struct ty *elem = is_char ? ty_int(1, true) : ty_void();
		const char *st = strstr(decl, "struct ");
		if (!is_char && st && st < type_end) {
			const char *n0 = st + 7, *n1 = n0;
			while (n1 < type_end && is_ident_char(*n1))
				n1++;
			const struct ty *rec = n1 > n0 ? sema_btf_record(a, arena_strndup(a, n0, (size_t)(n1 - n0)),
									 false, NULL) : NULL;
			if (rec)
				elem = rec;
		}
		t = ty_ptr(a, elem, as);
		while (--ptr)
			t = ty_ptr(a, t, as);
		t->size = size;
	} else if (array && is_char) {
		t = ty_string(a, count ? count : size);
	} else if (array) {
		uint32_t esz = count ? size / count : 1;
		if (esz != 1 && esz != 2 && esz != 4 && esz != 8)
			esz = 1;
		t = ty_array(a, ty_int(esz, is_signed), count ? count : size);
	} else if (!strncmp(decl, "enum ", 5) && (size == 1 || size == 2 || size == 4 || size == 8) &&
		   rt_btf_load(NULL) == 0) {
		/* "enum skb_drop_reason reason": the kernel's enum, so the value
		 * prints as its constant's name (current bpftrace) */
		const char *n0 = decl + 5, *n1 = n0;
		while (n1 < type_end && is_ident_char(*n1))
			n1++;
		int64_t id = rt_btf_find(arena_strndup(a, n0, (size_t)(n1 - n0)), BTF_KIND_ENUM);
		if (id > 0) {
			t = sema_btf_enum_type(a, (uint32_t)id);
			t->size = t->align = size;
			t->is_signed = is_signed;
		} else {
			t = (struct ty *)ty_int(size, is_signed);
		}
	} else if (size == 1 || size == 2 || size == 4 || size == 8) {
		t = (struct ty *)ty_int(size, is_signed);
	} else {
		t = ty_array(a, ty_int(1, false), size);
	}
	f->type = t;
	return true;
}

struct ty *tp_format_load(struct arena *a, const char *cat, const char *name, struct diag *d)
{
	int events = rt_tracefs_events(d);
	if (events < 0) {
		errno = -events;
		return NULL;
	}
	char path[512];
	snprintf(path, sizeof path, "%s/%s/format", cat, name);
	size_t len;
	char *text = read_at(events, path, &len);
	if (!text) {
		if (!errno)
			errno = ENOENT;
		return NULL;
	}
	/* System call arguments are user memory (bpftrace marks the args of
	 * tracepoint:syscalls:* as user address space). */
	enum ty_addrspace as = !strcmp(cat, "syscalls") ? TY_AS_USER : TY_AS_KERNEL;
	unsigned n = 0, cap = 16;
	struct ty_field *fields = arena_alloc(a, cap * sizeof(*fields));
	uint32_t size = 0;
	for (char *line = text, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		if (!strstr(line, "field:"))
			continue;
		if (n == cap) {
			struct ty_field *nf = arena_alloc(a, 2 * cap * sizeof(*nf));
			memcpy(nf, fields, cap * sizeof(*nf));
			fields = nf;
			cap *= 2;
		}
		if (parse_field(a, line, &fields[n], as)) {
			uint32_t e = fields[n].offset + fields[n].type->size;
			if (e > size)
				size = e;
			n++;
		}
	}
	free(text);
	struct ty *t = ty_new(a, TY_RECORD);
	t->name = arena_printf(a, "_tracepoint_%s_%s", cat, name);
	t->fields = fields;
	t->count = n;
	t->size = size;
	t->align = 8;
	t->ctx = true;
	return t;
}
