/* binary: user-space ELF objects for uprobe and usdt: finding them, their symbols, their debug files. */
#ifndef HAWK_RT_BINARY_H
#define HAWK_RT_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gelf.h>

#include "common/diag.h"

/* A set of object paths; owns its strings. */
struct rt_bins {
	char **path;
	size_t n, cap;
};
void rt_bins_free(struct rt_bins *b);

/* The objects a uprobe/usdt target names, as bpftrace resolves them:
 *   "*" with pid     every ELF object mapped by pid
 *   a glob           the ELF files it matches ('*' only)
 *   a path           itself
 *   "libNAME"        the library through pid's mappings, then ld.so.cache
 *   a program name   through $PATH
 * Returns 0 (out may be empty for a glob), or a negative errno after one
 * error through d. `what` names the provider for messages. */
int rt_bin_resolve(const char *target, pid_t pid, const char *what, struct diag *d,
		   struct rt_bins *out);

/* Every ELF object mapped by pid (the executable first), as paths this
 * process can open: under /proc/PID/root when pid lives in another mount
 * namespace. 0 or a negative errno. */
int rt_bin_pid_objects(pid_t pid, struct rt_bins *out);

/* Every object mapped by any process (usdt:* without -p). */
int rt_bin_all_objects(struct rt_bins *out);

/* The path of library `name` ("c", "libc", "libc.so.6") from ld.so.cache;
 * malloc'd, or NULL. */
char *rt_bin_find_lib(const char *name);

/* An ELF file opened read-only with libelf; rt_elf_close(NULL-safe). */
struct rt_elf {
	int fd;
	Elf *elf;
};
int rt_elf_open(const char *path, struct rt_elf *e);
void rt_elf_close(struct rt_elf *e);
/* The section named `name`, or NULL. */
Elf_Scn *rt_elf_section(Elf *elf, const char *name);

/* --debuginfo DIR[:DIR]: directories where rt_bin_debug_file looks first
 * (DIR/.build-id/xx/id.debug, then DIR/DEBUGLINK). Kept for the process. */
void rt_bin_debug_dirs_add(const char *dirs);

/* The separate debug file of an ELF (/usr/lib/debug/.build-id/xx/yyyy.debug,
 * or .gnu_debuglink next to it, in .debug/, or under /usr/lib/debug);
 * malloc'd path or NULL. */
char *rt_bin_debug_file(Elf *elf, const char *path);

/* The GNU build id of an ELF, as lowercase hex into hex (room for 2 * 20 + 1
 * bytes at least); false when it has none. */
bool rt_bin_build_id(Elf *elf, char *hex, size_t size);

/* Call fn for each function symbol defined in path (STT_FUNC, STT_GNU_IFUNC,
 * from .symtab and .dynsym, and from the debug file's .symtab when the
 * binary is stripped), names as stored (versioned ones keep "@@VER").
 * addr is the symbol's value, size its st_size (0: unknown). Duplicates
 * happen; callers de-duplicate. 0 or a negative errno. */
typedef void rt_bin_sym_fn(const char *name, uint64_t addr, uint64_t size, void *arg);
int rt_bin_func_syms(const char *path, rt_bin_sym_fn *fn, void *arg);

/* The value and size of symbol `name` (any kind: data for uaddr()) in
 * path's .symtab or .dynsym, or its debug file's; *pie when the object is
 * ET_DYN (its addresses move with where it is loaded). 0 or -ENOENT or a
 * negative errno. */
int rt_bin_find_sym(const char *path, const char *name, uint64_t *addr, uint64_t *size, bool *pie);

/* The file offset of ELF address va (what a uprobe takes), through the
 * PT_LOAD segment holding it: 0, -ERANGE when none does, or a negative errno. */
int rt_bin_vaddr_offset(const char *path, uint64_t va, uint64_t *off);
/* The reverse: the link-time address of file offset off. 0, or -ERANGE. */
int rt_bin_offset_vaddr(const char *path, uint64_t off, uint64_t *va);

/* The ELF machine (e_machine) of the object at path, or a negative errno. */
int rt_bin_machine(const char *path);

#endif
