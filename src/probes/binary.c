/* binary: resolve uprobe/usdt targets (paths, globs, ld.so.cache, $PATH, -p), read ELF symbols and find debug files. */
#include "probes/binary.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/arena.h"
#include "probes/fs.h"
#include "probes/provider.h"

void rt_bins_free(struct rt_bins *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->path[i]);
	free(b->path);
	*b = (struct rt_bins){ 0 };
}

static void bins_add(struct rt_bins *b, const char *path)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->path = xrealloc(b->path, b->cap * sizeof(*b->path));
	}
	b->path[b->n++] = xstrdup(path);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void bins_sort_unique(struct rt_bins *b)
{
	if (!b->n)
		return;
	qsort(b->path, b->n, sizeof(*b->path), str_cmp);
	size_t w = 1;
	for (size_t i = 1; i < b->n; i++) {
		if (strcmp(b->path[i], b->path[w - 1]))
			b->path[w++] = b->path[i];
		else
			free(b->path[i]);
	}
	b->n = w;
}

/* ET_EXEC or ET_DYN, read from the header alone: cheap enough to filter
 * globs and process mappings (which include locale archives and fonts). */
static bool is_elf(const char *path)
{
	unsigned char h[18];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) && !memcmp(h, ELFMAG, SELFMAG);
	close(fd);
	if (!ok)
		return false;
	uint16_t type = h[EI_DATA] == ELFDATA2MSB ? (uint16_t)(h[16] << 8 | h[17])
						  : (uint16_t)(h[17] << 8 | h[16]);
	return type == ET_EXEC || type == ET_DYN;
}

static bool same_mount_ns(pid_t pid)
{
	char a[64], b[64], path[64];
	ssize_t n = readlink("/proc/self/ns/mnt", a, sizeof(a));
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	ssize_t m = readlink(path, b, sizeof(b));
	return n < 0 || m < 0 || (n == m && !memcmp(a, b, (size_t)n));
}

int rt_bin_pid_objects(pid_t pid, struct rt_bins *out)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	char *maps = rt_fs_read(AT_FDCWD, path, NULL);
	if (!maps)
		return -errno;
	const char *root = "";
	char rootbuf[64];
	if (!same_mount_ns(pid)) {
		snprintf(rootbuf, sizeof(rootbuf), "/proc/%d/root", (int)pid);
		root = rootbuf;
	}
	struct rt_bins all = { 0 };
	for (char *line = maps, *next; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = '\0', next + 1) : line + strlen(line);
		/* ADDR PERMS OFFSET DEV INODE PATH */
		char *p = line;
		for (int field = 0; field < 5 && p; field++) {
			p = strchr(p, ' ');
			while (p && *p == ' ')
				p++;
		}
		if (!p || *p != '/')
			continue;
		size_t len = strlen(p);
		if (len > 10 && !strcmp(p + len - 10, " (deleted)"))
			continue;
		snprintf(path, sizeof(path), "%s%s", root, p);
		bins_add(&all, path);
	}
	free(maps);
	bins_sort_unique(&all);
	for (size_t i = 0; i < all.n; i++)
		if (is_elf(all.path[i]))
			bins_add(out, all.path[i]);
	rt_bins_free(&all);
	return 0;
}

int rt_bin_all_objects(struct rt_bins *out)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return -errno;
	for (struct dirent *e; (e = readdir(proc));) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		/* Processes come and go: one that exited has nothing to add. */
		rt_bin_pid_objects((pid_t)atoi(e->d_name), out);
	}
	closedir(proc);
	bins_sort_unique(out);
	return 0;
}

/* glibc's ld.so.cache, "new" format (glibc 2.32 writes only this one; older
 * files put it after the old table). See glibc elf/cache.c. */
struct cache_head {
	char magic[17];          /* "glibc-ld.so.cache" */
	char version[3];         /* "1.1" */
	uint32_t nlibs, len_strings;
	uint8_t flags, pad[3];
	uint32_t extension_offset, unused[3];
};
struct cache_entry {
	int32_t flags;
	uint32_t key, value;     /* offsets from the start of cache_head */
	uint32_t osversion;
	uint64_t hwcap;
};

/* The host's entries: FLAG_ELF_LIBC6 plus its ABI (x86-64: 0x0300, aarch64: 0x0a00). */
static bool host_lib(int32_t flags)
{
	if ((flags & 0xff) != 0x03)
		return false;
#if defined(__x86_64__)
	return (flags & 0xff00) == 0x0300;
#elif defined(__aarch64__)
	return (flags & 0xff00) == 0x0a00;
#else
	return true;
#endif
}

char *rt_bin_find_lib(const char *name)
{
	char soname[PATH_MAX + 80];
	if (strstr(name, ".so"))
		snprintf(soname, sizeof(soname), "%s", name);
	else
		snprintf(soname, sizeof(soname), "%s%s.so", strncmp(name, "lib", 3) ? "lib" : "",
			 name);
	size_t sl = strlen(soname), len;
	char *c = rt_fs_read(AT_FDCWD, "/etc/ld.so.cache", &len);
	if (!c)
		return NULL;
	size_t off = 0;
	if (len > 15 && !memcmp(c, "ld.so-1.7.0", 11)) {
		uint32_t nold;
		memcpy(&nold, c + 12, 4);
		off = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
	}
	char *found = NULL;
	if (off + sizeof(struct cache_head) <= len &&
	    !memcmp(c + off, "glibc-ld.so.cache1.1", 20)) {
		struct cache_head h;
		memcpy(&h, c + off, sizeof(h));
		for (uint32_t i = 0; i < h.nlibs && !found; i++) {
			struct cache_entry e;
			size_t eo = off + sizeof(h) + i * sizeof(e);
			if (eo + sizeof(e) > len)
				break;
			memcpy(&e, c + eo, sizeof(e));
			if (off + e.key >= len || off + e.value >= len || !host_lib(e.flags))
				continue;
			const char *key = c + off + e.key;
			if (!strncmp(key, soname, sl) && (key[sl] == '\0' || key[sl] == '.'))
				found = xstrdup(c + off + e.value);
		}
	}
	free(c);
	return found;
}

static bool lib_in_pid(pid_t pid, const char *name, struct rt_bins *out)
{
	struct rt_bins objs = { 0 };
	char soname[PATH_MAX + 80];
	snprintf(soname, sizeof(soname), "%s%s", strncmp(name, "lib", 3) ? "lib" : "", name);
	size_t sl = strlen(soname);
	bool found = false;
	if (!rt_bin_pid_objects(pid, &objs)) {
		for (size_t i = 0; i < objs.n && !found; i++) {
			const char *base = strrchr(objs.path[i], '/');
			base = base ? base + 1 : objs.path[i];
			if (!strncmp(base, soname, sl) && (base[sl] == '.' || base[sl] == '-' ||
							  base[sl] == '\0')) {
				bins_add(out, objs.path[i]);
				found = true;
			}
		}
	}
	rt_bins_free(&objs);
	return found;
}

static char *find_in_path(const char *name)
{
	const char *env = getenv("PATH");
	if (!env)
		env = "/usr/local/bin:/usr/bin:/bin";
	char buf[PATH_MAX];
	for (const char *p = env; *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		if (n && n + strlen(name) + 2 <= sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, name);
			if (!access(buf, X_OK))
				return xstrdup(buf);
		}
		p += n + (colon ? 1 : 0);
	}
	return NULL;
}

/* glob(3) knows ? [ and \ too; only '*' is ours. */
static int resolve_glob(const char *target, struct rt_bins *out)
{
	char *pat = xmalloc(strlen(target) * 2 + 1), *w = pat;
	for (const char *s = target; *s; s++) {
		if (*s == '?' || *s == '[' || *s == '\\')
			*w++ = '\\';
		*w++ = *s;
	}
	*w = '\0';
	glob_t g;
	int r = glob(pat, GLOB_NOSORT, NULL, &g);
	free(pat);
	if (r == GLOB_NOMATCH)
		return 0;
	if (r)
		return -ENOMEM;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (is_elf(g.gl_pathv[i]))
			bins_add(out, g.gl_pathv[i]);
	globfree(&g);
	bins_sort_unique(out);
	return 0;
}

int rt_bin_resolve(const char *target, pid_t pid, const char *what, struct diag *d,
		   struct rt_bins *out)
{
	if (!strcmp(target, "*") && pid) {
		int err = rt_bin_pid_objects(pid, out);
		if (err)
			diag_plain(d, DIAG_ERROR, "cannot read the mappings of process %d: %s",
				   (int)pid, strerror(-err));
		return err;
	}
	if (rt_has_wild(target))
		return resolve_glob(target, out);
	char nsbuf[PATH_MAX + 64];
	if (pid && target[0] == '/' && !same_mount_ns(pid)) {
		/* -p: the path is the process's, in its own mount namespace */
		snprintf(nsbuf, sizeof(nsbuf), "/proc/%d/root%s", (int)pid, target);
		target = nsbuf;
	}
	if (strchr(target, '/')) {
		if (access(target, F_OK)) {
			int e = errno;
			diag_plain(d, DIAG_ERROR, "%s target '%s': %s", what, target, strerror(e));
			return -e;
		}
		if (!is_elf(target)) {
			diag_plain(d, DIAG_ERROR, "%s target '%s' is not an ELF executable or library",
				   what, target);
			return -ENOEXEC;
		}
		bins_add(out, target);
		return 0;
	}
	if (pid && lib_in_pid(pid, target, out))
		return 0;
	char *found = !strncmp(target, "lib", 3) ? rt_bin_find_lib(target) : NULL;
	if (!found)
		found = find_in_path(target);
	if (!found && !access(target, F_OK))
		found = xstrdup(target);
	if (!found) {
		diag_plain(d, DIAG_ERROR, "%s target '%s': no such file, library or program",
			   what, target);
		return -ENOENT;
	}
	if (!is_elf(found)) {
		diag_plain(d, DIAG_ERROR, "%s target '%s' is not an ELF executable or library",
			   what, found);
		free(found);
		return -ENOEXEC;
	}
	bins_add(out, found);
	free(found);
	return 0;
}

int rt_elf_open(const char *path, struct rt_elf *e)
{
	e->elf = NULL;
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		rt_elf_close(e);
		return -ENOEXEC;
	}
	return 0;
}

void rt_elf_close(struct rt_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	e->elf = NULL;
	e->fd = -1;
}

Elf_Scn *rt_elf_section(Elf *elf, const char *name)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		const char *n;
		if (gelf_getshdr(s, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, name))
			return s;
	}
	return NULL;
}

/* --debuginfo: directories searched before the standard ones. */
static char *debug_dirs[32];
static unsigned ndebug_dirs;

void rt_bin_debug_dirs_add(const char *dirs)
{
	for (const char *p = dirs; *p && ndebug_dirs < 32;) {
		size_t n = strcspn(p, ":");
		if (n) {
			char *d = xmalloc(n + 1);
			memcpy(d, p, n);
			d[n] = '\0';
			debug_dirs[ndebug_dirs++] = d;
		}
		p += n + (p[n] == ':');
	}
}

/* The GNU build id note's bytes, or NULL (*n its length). */
static const unsigned char *build_id(Elf *elf, size_t *n)
{
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(s, NULL);
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 || nh.n_descsz < 2 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			*n = nh.n_descsz;
			return (const unsigned char *)data->d_buf + desc_off;
		}
	}
	return NULL;
}

bool rt_bin_build_id(Elf *elf, char *hex, size_t size)
{
	size_t n = 0;
	const unsigned char *id = build_id(elf, &n);
	if (!id || size < 2 * n + 1)
		return false;
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return true;
}

static char *build_id_path(Elf *elf, const char *root)
{
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(s, NULL);
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 || nh.n_descsz < 2 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			const unsigned char *id = (const unsigned char *)data->d_buf + desc_off;
			char path[PATH_MAX];
			int n = snprintf(path, sizeof(path), "%s/.build-id/%02x/", root, id[0]);
			for (size_t i = 1; i < nh.n_descsz && n < (int)sizeof(path) - 8; i++)
				n += snprintf(path + n, sizeof(path) - (size_t)n, "%02x", id[i]);
			snprintf(path + n, sizeof(path) - (size_t)n, ".debug");
			return xstrdup(path);
		}
	}
	return NULL;
}

char *rt_bin_debug_file(Elf *elf, const char *path)
{
	Elf_Scn *s = rt_elf_section(elf, ".gnu_debuglink");
	Elf_Data *data = s ? elf_getdata(s, NULL) : NULL;
	const char *link = data && data->d_size && memchr(data->d_buf, '\0', data->d_size)
			   ? data->d_buf : NULL;
	char dir[PATH_MAX], cand[PATH_MAX * 3];
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char bindir[PATH_MAX];
	snprintf(bindir, sizeof(bindir), "%.*s", base > path ? (int)(base - path - 1) : 1,
		 base > path ? path : ".");
	for (unsigned k = 0; k < 2 * ndebug_dirs; k++) {
		/* a relative directory is the binary's first, as elfutils reads
		 * a debuginfo path (what current bpftrace passes --debuginfo to),
		 * then the working directory's */
		const char *d = debug_dirs[k / 2];
		char root[PATH_MAX * 2];
		if (k % 2 == 0) {
			if (d[0] == '/')
				continue;
			snprintf(root, sizeof(root), "%s/%s", bindir, d);
		} else {
			snprintf(root, sizeof(root), "%s", d);
		}
		char *p = build_id_path(elf, root);
		if (p && !access(p, R_OK))
			return p;
		free(p);
		if (link) {
			snprintf(cand, sizeof(cand), "%s/%s", root, link);
			if (strcmp(cand, path) && !access(cand, R_OK))
				return xstrdup(cand);
		}
		/* no debuglink: the binary's name with .debug (as objcopy
		 * --only-keep-debug output is usually named) */
		snprintf(cand, sizeof(cand), "%s/%s.debug", root, base);
		if (!access(cand, R_OK))
			return xstrdup(cand);
	}
	char *p = build_id_path(elf, "/usr/lib/debug");
	if (p && !access(p, R_OK))
		return p;
	free(p);
	if (!link)
		return NULL;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	const char *fmts[] = { "%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(cand, sizeof(cand), fmts[i], dir, link);
		if (strcmp(cand, path) && !access(cand, R_OK))
			return xstrdup(cand);
	}
	return NULL;
}

static void func_syms_of(Elf *elf, rt_bin_sym_fn *fn, void *arg)
{
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(s, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			int type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name && *name)
				fn(name, sym.st_value, sym.st_size, arg);
		}
	}
}

int rt_bin_func_syms(const char *path, rt_bin_sym_fn *fn, void *arg)
{
	struct rt_elf e;
	int err = rt_elf_open(path, &e);
	if (err)
		return err;
	func_syms_of(e.elf, fn, arg);
	/* Like bcc (bpftrace's symbol reader), also take the debug file's
	 * .symtab: it names the static functions a stripped binary lost. */
	char *dbg = rt_bin_debug_file(e.elf, path);
	if (dbg) {
		struct rt_elf de;
		if (!rt_elf_open(dbg, &de)) {
			func_syms_of(de.elf, fn, arg);
			rt_elf_close(&de);
		}
		free(dbg);
	}
	rt_elf_close(&e);
	return 0;
}

int rt_bin_machine(const char *path)
{
	struct rt_elf e;
	int err = rt_elf_open(path, &e);
	if (err)
		return err;
	GElf_Ehdr eh;
	int m = gelf_getehdr(e.elf, &eh) ? eh.e_machine : -EINVAL;
	rt_elf_close(&e);
	return m;
}

/* x as the other coordinate of the PT_LOAD segment holding it: a virtual
 * address as a file offset (from_vaddr), or a file offset as an address. */
static int segment_map(const char *path, uint64_t x, bool from_vaddr, uint64_t *out)
{
	struct rt_elf e;
	int err = rt_elf_open(path, &e);
	if (err)
		return err;
	size_t n;
	err = -ERANGE;
	if (!elf_getphdrnum(e.elf, &n)) {
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(e.elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			uint64_t from = from_vaddr ? ph.p_vaddr : ph.p_offset;
			uint64_t to = from_vaddr ? ph.p_offset : ph.p_vaddr;
			if (x >= from && x < from + ph.p_filesz) {
				*out = x - from + to;
				err = 0;
				break;
			}
		}
	}
	rt_elf_close(&e);
	return err;
}

int rt_bin_vaddr_offset(const char *path, uint64_t va, uint64_t *off)
{
	return segment_map(path, va, true, off);
}

int rt_bin_offset_vaddr(const char *path, uint64_t off, uint64_t *va)
{
	return segment_map(path, off, false, va);
}

/* Any defined symbol named `name` in one ELF's tables; 1 when found. */
static int find_sym_in(Elf *elf, const char *name, uint64_t *addr, uint64_t *size)
{
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(s, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			const char *sn = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (sn && !strcmp(sn, name)) {
				*addr = sym.st_value;
				*size = sym.st_size;
				return 1;
			}
		}
	}
	return 0;
}

int rt_bin_find_sym(const char *path, const char *name, uint64_t *addr, uint64_t *size, bool *pie)
{
	struct rt_elf e;
	int err = rt_elf_open(path, &e);
	if (err)
		return err;
	GElf_Ehdr eh;
	*pie = gelf_getehdr(e.elf, &eh) && eh.e_type == ET_DYN;
	int found = find_sym_in(e.elf, name, addr, size);
	if (!found) {
		char *dbg = rt_bin_debug_file(e.elf, path);
		struct rt_elf de;
		if (dbg && !rt_elf_open(dbg, &de)) {
			found = find_sym_in(de.elf, name, addr, size);
			rt_elf_close(&de);
		}
		free(dbg);
	}
	rt_elf_close(&e);
	return found ? 0 : -ENOENT;
}
