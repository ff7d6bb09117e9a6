/* arch: each target machine's struct pt_regs: where arg0..N, retval, sp, ip and every named register sit (x86-64, arm64). */
#ifndef HAWK_ARCH_H
#define HAWK_ARCH_H

#include <stdint.h>

/* The machines codegen targets (--target-arch): the BPF instructions are
 * the same on every one; what differs is the context of kprobe, uprobe,
 * usdt and perf-event programs, the kernel's struct pt_regs. */
enum arch { ARCH_X86_64, ARCH_ARM64, ARCH__COUNT };

/* A register by a name a script (reg("name")) or a USDT operand uses, at its
 * pt_regs offset; shift: a view of higher bits (x86's %ah: 8). */
struct arch_reg {
	const char *name;
	uint16_t off;
	uint8_t shift;
};

struct arch_info {
	const char *name;              /* --target-arch's word: "x86_64", "arm64" */
	uint16_t e_machine;            /* the ELF machine of its binaries */
	uint32_t pt_regs_size;         /* the user-visible part the programs read */
	const uint16_t *arg_regs;      /* the integer arguments' registers, in order */
	unsigned nargs;
	uint16_t ret, sp, ip;          /* the return value, the stack and instruction pointers */
	/* usermode: (the word at mode_off & mode_mask) == mode_user */
	uint16_t mode_off;
	uint64_t mode_mask, mode_user;
	const struct arch_reg *regs;   /* reg("name"), bpftrace's spelling */
	unsigned nregs;
	const struct arch_reg *usdt_regs; /* every name a USDT operand may use */
	unsigned nusdt_regs;
};

const struct arch_info *arch_info(enum arch a);
/* The machine hawk runs on. */
enum arch arch_host(void);
/* "x86_64" (or "amd64", "x86-64"), "arm64" (or "aarch64"); -1 for another. */
int arch_by_name(const char *name);
/* The arch of an ELF e_machine; -1 for another. */
int arch_by_machine(uint16_t e_machine);
/* The pt_regs offset of reg("name") (a->regs), or -1. */
int arch_reg_offset(const struct arch_info *a, const char *name);
/* A USDT operand's register by name (a->usdt_regs), or NULL. */
const struct arch_reg *arch_usdt_reg(const struct arch_info *a, const char *name);

#endif
