/* regs: x86-64 struct pt_regs, the context of kprobe, uprobe and usdt programs, by register name. */
#ifndef HAWK_REGS_H
#define HAWK_REGS_H

#include <string.h>

/* reg("name") in bpftrace's spelling, at its pt_regs offset
 * (arch/x86/include/asm/ptrace.h); "pc" is current bpftrace's alias of ip. */
static const struct regs_entry {
	const char *name;
	unsigned off;
} regs_x86_64[] = {
	{ "r15", 0 }, { "r14", 8 }, { "r13", 16 }, { "r12", 24 }, { "bp", 32 }, { "bx", 40 },
	{ "r11", 48 }, { "r10", 56 }, { "r9", 64 }, { "r8", 72 }, { "ax", 80 }, { "cx", 88 },
	{ "dx", 96 }, { "si", 104 }, { "di", 112 }, { "orig_ax", 120 }, { "ip", 128 }, { "pc", 128 },
	{ "cs", 136 }, { "flags", 144 }, { "sp", 152 }, { "ss", 160 },
};

/* The offset of register `name`, or -1. */
static inline int regs_offset(const char *name)
{
	for (size_t i = 0; i < sizeof regs_x86_64 / sizeof regs_x86_64[0]; i++)
		if (!strcmp(regs_x86_64[i].name, name))
			return (int)regs_x86_64[i].off;
	return -1;
}

#endif
