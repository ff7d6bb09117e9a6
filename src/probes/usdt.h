/* usdt: the SystemTap SDT notes of an ELF object: probe locations, semaphores and argument operands (x86-64, arm64). */
#ifndef HAWK_RT_USDT_H
#define HAWK_RT_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

#include "common/arena.h"

/* How one USDT argument is fetched in the probe, read from its operand
 * string ("-4@%edi", "8@-16(%rbp)", "-2@$-3", "4@sym+8(%rip)",
 * "8@(%rax,%rdx,8)"; arm64: "8@[x1, 8]"). Register fields are byte offsets into the target's
 * struct pt_regs, which is the uprobe program's context. */
enum rt_usdt_arg_kind {
	RT_USDT_CONST,     /* value */
	RT_USDT_REG,       /* ctx->reg, shifted right by reg_shift (%ah..%dh) */
	RT_USDT_MEM,       /* *(base + index * scale + disp), read from user memory */
};

struct rt_usdt_arg {
	enum rt_usdt_arg_kind kind;
	uint8_t size;      /* 1, 2, 4 or 8 bytes */
	bool is_signed;
	uint16_t reg;      /* REG: the register; MEM: the base register */
	uint8_t reg_shift;
	bool has_index;
	uint16_t index;
	uint8_t scale;
	int64_t value;     /* CONST: the value; MEM: the displacement */
};

/* One probe site. Addresses are file offsets, which is what uprobes take. */
struct rt_usdt_site {
	const char *provider, *name;
	uint64_t offset;       /* the probe instruction's file offset */
	uint64_t sema_offset;  /* the semaphore's file offset, 0 for none */
	struct rt_usdt_arg *args;
	unsigned nargs;
	const char *arg_text;  /* the operand string as in the note */
	const char *error;     /* why the operands could not be read, NULL when they could */
	unsigned order;        /* free for the caller (a stable sort) */
};

/* One well-formed SDT note: its descriptor (pc, .stapsdt.base and semaphore
 * addresses, each addr_size bytes wide) and its strings (args "" when absent). */
struct rt_usdt_note {
	const char *desc;
	size_t addr_size;
	const char *provider, *name, *args;
};

/* Calls fn on every SDT note of elf, in note order; listing and
 * rt_usdt_sites read them through it. */
void rt_usdt_notes(Elf *elf, void (*fn)(const struct rt_usdt_note *note, void *arg), void *arg);

/* Every probe site of the ELF at path whose provider and name match the '*'
 * globs prov and name (NULL: any), in note order; strings and arrays in a.
 * Returns how many were stored in *out, or a negative errno. */
long rt_usdt_sites(const char *path, const char *prov, const char *name, struct arena *a,
		   struct rt_usdt_site **out);

/* One operand string into *arg; false with *err set when it is not one
 * this reader knows. pc_vaddr is the probe's ELF address, so that a
 * %rip-relative operand becomes ip-relative (ip is the probe address when
 * the uprobe runs); symbols are resolved through resolve (NULL: none). */
bool rt_usdt_arg_parse(const char *text, uint64_t pc_vaddr,
		       bool (*resolve)(const char *sym, uint64_t *vaddr, void *arg), void *rarg,
		       struct rt_usdt_arg *out, const char **err);

/* The same for an arm64 binary's operands (registers xN/wN/sp, memory
 * [reg] and [reg, disp], constants). */
bool rt_usdt_arg_parse_arm64(const char *text, struct rt_usdt_arg *out, const char **err);

#endif
