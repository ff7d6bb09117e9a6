/* usym: user-space addresses to symbols through per-pid mapping snapshots and per-object symbol tables. */
#include "runtime/usym.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>

#include "probes/binary.h"
#include "common/arena.h"

struct usym_sym {
	uint64_t addr, size;
	char *name;
};

/* The function symbols of one object (or one perf map), by address; the
 * PT_LOAD segments turn a file offset into the addresses they use. */
struct usym_obj {
	char *path;
	struct usym_sym *syms;
	size_t n, cap;
	struct { uint64_t off, vaddr, filesz; } *segs;
	size_t nsegs;
	bool loaded;
	bool exec;              /* ET_EXEC: loaded at its link addresses */
	char build_id[2 * 64 + 1];  /* hex, "" when it has none */
	struct rt_dwarf *dw;    /* its DWARF for file:line, opened when first asked */
	bool dw_tried;
};

struct usym_range {
	uint64_t start, end, pgoff;
	struct usym_obj *obj;   /* NULL: anonymous (the perf map's, if any) */
};

struct usym_pid {
	uint32_t pid;
	struct usym_range *r;
	size_t n;
	struct usym_obj *perfmap;   /* /tmp/perf-PID.map, absolute addresses */
	uint64_t foff;              /* the file offset of the address last located */
};

struct rt_usyms {
	struct usym_pid *pids;      /* open addressing on pid; pid 0 is free */
	size_t npids, cap;
	struct usym_obj **objs;
	size_t nobjs, objcap;
	struct usym_obj *execs[16]; /* probed binaries (rt_usyms_add_exec) */
	size_t nexecs;
};

struct rt_usyms *rt_usyms_new(void)
{
	struct rt_usyms *u = xcalloc(1, sizeof(*u));
	u->cap = 64;
	u->pids = xcalloc(u->cap, sizeof(*u->pids));
	return u;
}

static void obj_free(struct usym_obj *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		free(o->syms[i].name);
	free(o->syms);
	free(o->segs);
	free(o->path);
	rt_dwarf_free(o->dw);
	free(o);
}

void rt_usyms_free(struct rt_usyms *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->cap; i++) {
		free(u->pids[i].r);
		obj_free(u->pids[i].perfmap);
	}
	for (size_t i = 0; i < u->nobjs; i++)
		obj_free(u->objs[i]);
	free(u->objs);
	free(u->pids);
	free(u);
}

static void obj_add(struct usym_obj *o, const char *name, uint64_t addr, uint64_t size)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 256;
		o->syms = xrealloc(o->syms, o->cap * sizeof(*o->syms));
	}
	/* "memcpy@@GLIBC_2.14" names memcpy, as bcc prints it */
	size_t len = strcspn(name, "@");
	char *s = xmalloc(len + 1);
	memcpy(s, name, len);
	s[len] = '\0';
	o->syms[o->n++] = (struct usym_sym){ addr, size, s };
}

static void sym_cb(const char *name, uint64_t addr, uint64_t size, void *arg)
{
	obj_add(arg, name, addr, size);
}

/* By address; at one address the sized symbol first (a real function over
 * a zero-sized label), then the name, so the choice does not depend on
 * the order the tables list them. */
static int sym_cmp(const void *a, const void *b)
{
	const struct usym_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if ((x->size != 0) != (y->size != 0))
		return x->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void obj_sort(struct usym_obj *o)
{
	if (o->n)
		qsort(o->syms, o->n, sizeof(*o->syms), sym_cmp);
}

static void obj_load(struct usym_obj *o)
{
	o->loaded = true;
	struct rt_elf e;
	if (rt_elf_open(o->path, &e))
		return;
	GElf_Ehdr eh;
	o->exec = gelf_getehdr(e.elf, &eh) && eh.e_type == ET_EXEC;
	if (!rt_bin_build_id(e.elf, o->build_id, sizeof(o->build_id)))
		o->build_id[0] = '\0';
	size_t nph = 0;
	if (!elf_getphdrnum(e.elf, &nph) && nph) {
		o->segs = xcalloc(nph, sizeof(*o->segs));
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e.elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
				o->segs[o->nsegs].off = ph.p_offset;
				o->segs[o->nsegs].vaddr = ph.p_vaddr;
				o->segs[o->nsegs].filesz = ph.p_filesz;
				o->nsegs++;
			}
		}
	}
	rt_elf_close(&e);
	rt_bin_func_syms(o->path, sym_cb, o);
	obj_sort(o);
}

static struct usym_obj *obj_get(struct rt_usyms *u, const char *path)
{
	for (size_t i = 0; i < u->nobjs; i++)
		if (!strcmp(u->objs[i]->path, path))
			return u->objs[i];
	if (u->nobjs == u->objcap) {
		u->objcap = u->objcap ? 2 * u->objcap : 32;
		u->objs = xrealloc(u->objs, u->objcap * sizeof(*u->objs));
	}
	struct usym_obj *o = xcalloc(1, sizeof(*o));
	o->path = xstrdup(path);
	u->objs[u->nobjs++] = o;
	return o;
}

/* /tmp/perf-PID.map: "START SIZE name" per line, hex, absolute addresses
 * (what JITs such as V8, the JVM's agents and LuaJIT write). */
static struct usym_obj *perfmap_read(uint32_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%" PRIu32 ".map", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	struct usym_obj *o = xcalloc(1, sizeof(*o));
	o->path = xstrdup(path);
	o->loaded = true;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		uint64_t start = strtoull(p, &end, 16);
		if (end == p)
			continue;
		p = end;
		uint64_t size = strtoull(p, &end, 16);
		if (end == p)
			continue;
		p = end + strspn(end, " \t");
		p[strcspn(p, "\n")] = '\0';
		if (*p)
			obj_add(o, p, start, size);
	}
	fclose(f);
	obj_sort(o);
	return o;
}

static struct usym_pid *pid_slot(struct rt_usyms *u, uint32_t pid)
{
	size_t i = (pid * 2654435761u) & (u->cap - 1);
	while (u->pids[i].pid && u->pids[i].pid != pid)
		i = (i + 1) & (u->cap - 1);
	return &u->pids[i];
}

static void pids_grow(struct rt_usyms *u)
{
	struct usym_pid *old = u->pids;
	size_t ocap = u->cap;
	u->cap *= 2;
	u->pids = xcalloc(u->cap, sizeof(*u->pids));
	for (size_t i = 0; i < ocap; i++)
		if (old[i].pid)
			*pid_slot(u, old[i].pid) = old[i];
	free(old);
}

static void maps_read(struct rt_usyms *u, struct usym_pid *p)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/maps", p->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t cap = 0;
	char line[4096 + 128];
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end, pgoff;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*u %n", &start, &end, perms,
			   &pgoff, &name_at) < 4 || perms[2] != 'x')
			continue;
		char *name = line + name_at;
		name[strcspn(name, "\n")] = '\0';
		if (p->n == cap) {
			cap = cap ? 2 * cap : 16;
			p->r = xrealloc(p->r, cap * sizeof(*p->r));
		}
		/* only files: [vdso], anonymous JIT code and deleted files are
		 * left to the perf map */
		struct usym_obj *o = name[0] == '/' && !strstr(name, " (deleted)") ? obj_get(u, name) : NULL;
		p->r[p->n++] = (struct usym_range){ start, end, pgoff, o };
	}
	fclose(f);
	p->perfmap = perfmap_read(p->pid);
}

static struct usym_pid *pid_get(struct rt_usyms *u, uint32_t pid)
{
	if (!pid)
		return NULL;
	struct usym_pid *p = pid_slot(u, pid);
	if (p->pid)
		return p;
	if (2 * (u->npids + 1) > u->cap) {
		pids_grow(u);
		p = pid_slot(u, pid);
	}
	p->pid = pid;
	u->npids++;
	maps_read(u, p);
	return p;
}

void rt_usyms_note_pid(struct rt_usyms *u, uint32_t pid)
{
	pid_get(u, pid);
}

/* The symbol holding a: the last one at or below it, within its size when
 * it has one. */
static const struct usym_sym *obj_find(const struct usym_obj *o, uint64_t a)
{
	size_t lo = 0, hi = o->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (o->syms[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct usym_sym *s = &o->syms[lo - 1];
	/* back to the first (preferred) symbol at that address */
	while (s > o->syms && s[-1].addr == s->addr)
		s--;
	if (s->size && a >= s->addr + s->size)
		return NULL;
	return s;
}

void rt_usyms_add_exec(struct rt_usyms *u, const char *path)
{
	struct usym_obj *o = obj_get(u, path);
	for (size_t i = 0; i < u->nexecs; i++)
		if (u->execs[i] == o)
			return;
	if (u->nexecs < sizeof(u->execs) / sizeof(u->execs[0]))
		u->execs[u->nexecs++] = o;
}

/* A process gone before its mappings were read: the probed
 * position-dependent binaries, at their link addresses. */
static struct usym_obj *exec_locate(struct rt_usyms *u, uint64_t addr)
{
	for (size_t i = 0; i < u->nexecs; i++) {
		struct usym_obj *o = u->execs[i];
		if (!o->loaded)
			obj_load(o);
		if (!o->exec)
			continue;
		for (size_t k = 0; k < o->nsegs; k++)
			if (addr >= o->segs[k].vaddr && addr < o->segs[k].vaddr + o->segs[k].filesz)
				return o;
	}
	return NULL;
}

/* The object mapped at addr in pid and addr as that object's own address;
 * NULL when no file is mapped there (*p_out: the pid's slot, or NULL). */
static struct usym_obj *locate(struct rt_usyms *u, uint32_t pid, uint64_t addr, uint64_t *va,
			       struct usym_pid **p_out)
{
	struct usym_pid *p = pid_get(u, pid);
	*p_out = p;
	*va = addr;
	if (!p)
		return NULL;
	if (!p->n && !p->perfmap) {
		struct usym_obj *o = exec_locate(u, addr);
		for (size_t k = 0; o && k < o->nsegs; k++)
			if (addr >= o->segs[k].vaddr && addr < o->segs[k].vaddr + o->segs[k].filesz)
				p->foff = addr - o->segs[k].vaddr + o->segs[k].off;
		return o;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct usym_range *r = &p->r[i];
		if (addr < r->start || addr >= r->end || !r->obj)
			continue;
		struct usym_obj *o = r->obj;
		if (!o->loaded)
			obj_load(o);
		uint64_t foff = addr - r->start + r->pgoff;
		p->foff = foff;
		*va = foff;
		for (size_t k = 0; k < o->nsegs; k++)
			if (foff >= o->segs[k].off && foff < o->segs[k].off + o->segs[k].filesz) {
				*va = foff - o->segs[k].off + o->segs[k].vaddr;
				break;
			}
		return o;
	}
	return NULL;
}

bool rt_usyms_build_id(struct rt_usyms *u, uint32_t pid, uint64_t addr, const char **id, uint64_t *foff)
{
	struct usym_pid *p;
	uint64_t va;
	struct usym_obj *o = locate(u, pid, addr, &va, &p);
	if (!o || !o->build_id[0])
		return false;
	*id = o->build_id;
	*foff = p->foff;
	return true;
}

int rt_usyms_src(struct rt_usyms *u, uint32_t pid, uint64_t addr, struct rt_src_frame *out, int max)
{
	struct usym_pid *p;
	uint64_t va;
	struct usym_obj *o = locate(u, pid, addr, &va, &p);
	if (!o)
		return 0;
	if (!o->dw_tried) {
		o->dw_tried = true;
		o->dw = rt_dwarf_open(o->path);
	}
	return rt_dwarf_src_frames(o->dw, va, out, max);
}

const char *rt_usyms_find(struct rt_usyms *u, uint32_t pid, uint64_t addr, uint64_t *off,
			  const char **module)
{
	struct usym_pid *p;
	uint64_t va;
	struct usym_obj *o = locate(u, pid, addr, &va, &p);
	if (o) {
		const struct usym_sym *s = obj_find(o, va);
		if (!s)
			return NULL;
		*off = va - s->addr;
		*module = o->path;
		return s->name;
	}
	if (p && p->perfmap) {
		const struct usym_sym *s = obj_find(p->perfmap, addr);
		if (s) {
			*off = addr - s->addr;
			*module = p->perfmap->path;
			return s->name;
		}
	}
	return NULL;
}
