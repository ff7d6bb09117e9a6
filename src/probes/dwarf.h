/* dwarf: function parameters of a user-space binary from its DWARF (own or separate debug file). */
#ifndef HAWK_RT_DWARF_H
#define HAWK_RT_DWARF_H

#include <stdbool.h>
#include <stdint.h>

#include <elfutils/libdw.h>

struct rt_dwarf;

/* The DWARF of the ELF at path, or of its debug file; NULL when it has
 * none. Owns its files; rt_dwarf_free(NULL) does nothing. */
struct rt_dwarf *rt_dwarf_open(const char *path);
void rt_dwarf_free(struct rt_dwarf *dw);

/* Call fn(type, name, arg) for each parameter of the function defined as
 * `func` (or, for an alias, defined at address `addr`, 0 if unknown), in
 * declaration order; type in C spelling with pointers attached to the type
 * as bpftrace prints them ("const char*", "struct Foo*"). The first call
 * indexes every function. 0, or -ENOENT when the DWARF has no such function. */
int rt_dwarf_params(struct rt_dwarf *dw, const char *func, uint64_t addr,
		    void (*fn)(const char *type, const char *name, void *arg), void *arg);

/* The DIE of the function defined as `func` (or at `addr`), its abstract
 * origin when it is an out-of-line copy (which has the parameters as
 * declared). 0, or -ENOENT. The DIE lives as long as dw. */
int rt_dwarf_func(struct rt_dwarf *dw, const char *func, uint64_t addr, Dwarf_Die *out);

/* The addresses of source line `line` (column `col`, 0: any) of file
 * `file` (a path's last components are enough), as the line table has them
 * (statement starts, lowest first, each once); up to max in addrs. The
 * count, 0 when the line has no code, or -ENOENT when dw has no such file. */
long rt_dwarf_line_addrs(struct rt_dwarf *dw, const char *file, uint32_t line, uint32_t col,
			 uint64_t *addrs, size_t max);

/* Where address va (the ELF's own addresses) is in the source: a frame per
 * inlined call holding it, innermost first, then the function itself, each
 * with the file and line it is at (an inlined call's caller is at the
 * call's line). The count (up to max), 0 when no DWARF covers va. The
 * strings live as long as dw. */
struct rt_src_frame {
	const char *func;       /* NULL when the DWARF has no name */
	const char *file;       /* NULL when the line table has none */
	uint32_t line;
	bool inlined;
};
int rt_dwarf_src_frames(struct rt_dwarf *dw, uint64_t va, struct rt_src_frame *out, int max);

/* The first complete struct (or union) named `name` in dw. 0, or -ENOENT. */
int rt_dwarf_record(struct rt_dwarf *dw, const char *name, bool is_union, Dwarf_Die *out);

#endif
