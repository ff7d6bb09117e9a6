/* arch: the pt_regs tables of x86-64 and arm64 (one row per machine). */
#include "common/arch.h"

#include <string.h>

/* x86-64: arch/x86/include/asm/ptrace.h, struct pt_regs. */
static const uint16_t x86_args[] = { 112, 104, 96, 88, 72, 64 }; /* di si dx cx r8 r9 (System V) */

/* reg("name") in bpftrace's spelling; "pc" is current bpftrace's alias of ip. */
static const struct arch_reg x86_regs[] = {
	{ "r15", 0, 0 }, { "r14", 8, 0 }, { "r13", 16, 0 }, { "r12", 24, 0 }, { "bp", 32, 0 },
	{ "bx", 40, 0 }, { "r11", 48, 0 }, { "r10", 56, 0 }, { "r9", 64, 0 }, { "r8", 72, 0 },
	{ "ax", 80, 0 }, { "cx", 88, 0 }, { "dx", 96, 0 }, { "si", 104, 0 }, { "di", 112, 0 },
	{ "orig_ax", 120, 0 }, { "ip", 128, 0 }, { "pc", 128, 0 }, { "cs", 136, 0 },
	{ "flags", 144, 0 }, { "sp", 152, 0 }, { "ss", 160, 0 },
};

/* Every view a USDT operand (AT&T syntax, without the %) may name;
 * r8..r15's d/w/b suffixes are taken off by the parser. */
static const struct arch_reg x86_usdt[] = {
	{ "rax", 80, 0 }, { "eax", 80, 0 }, { "ax", 80, 0 }, { "al", 80, 0 }, { "ah", 80, 8 },
	{ "rbx", 40, 0 }, { "ebx", 40, 0 }, { "bx", 40, 0 }, { "bl", 40, 0 }, { "bh", 40, 8 },
	{ "rcx", 88, 0 }, { "ecx", 88, 0 }, { "cx", 88, 0 }, { "cl", 88, 0 }, { "ch", 88, 8 },
	{ "rdx", 96, 0 }, { "edx", 96, 0 }, { "dx", 96, 0 }, { "dl", 96, 0 }, { "dh", 96, 8 },
	{ "rsi", 104, 0 }, { "esi", 104, 0 }, { "si", 104, 0 }, { "sil", 104, 0 },
	{ "rdi", 112, 0 }, { "edi", 112, 0 }, { "di", 112, 0 }, { "dil", 112, 0 },
	{ "rbp", 32, 0 }, { "ebp", 32, 0 }, { "bp", 32, 0 }, { "bpl", 32, 0 },
	{ "rsp", 152, 0 }, { "esp", 152, 0 }, { "sp", 152, 0 }, { "spl", 152, 0 },
	{ "rip", 128, 0 },
	{ "r8", 72, 0 }, { "r9", 64, 0 }, { "r10", 56, 0 }, { "r11", 48, 0 },
	{ "r12", 24, 0 }, { "r13", 16, 0 }, { "r14", 8, 0 }, { "r15", 0, 0 },
};

/* arm64: arch/arm64/include/asm/ptrace.h, struct pt_regs opens with
 * struct user_pt_regs { u64 regs[31]; u64 sp; u64 pc; u64 pstate; }.
 * AAPCS64 passes eight integer arguments in x0..x7; x0 holds the result. */
static const uint16_t arm64_args[] = { 0, 8, 16, 24, 32, 40, 48, 56 };

#define R(n) { "r" #n, 8 * (n), 0 }, { "x" #n, 8 * (n), 0 }
static const struct arch_reg arm64_regs[] = {
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10), R(11), R(12), R(13),
	R(14), R(15), R(16), R(17), R(18), R(19), R(20), R(21), R(22), R(23), R(24), R(25),
	R(26), R(27), R(28), R(29), R(30),
	{ "fp", 232, 0 }, { "lr", 240, 0 }, { "sp", 248, 0 }, { "pc", 256, 0 }, { "ip", 256, 0 },
	{ "pstate", 264, 0 },
};
#undef R

/* A USDT operand names xN (64 bits) or wN (its low 32), sp or wsp. */
#define U(n) { "x" #n, 8 * (n), 0 }, { "w" #n, 8 * (n), 0 }
static const struct arch_reg arm64_usdt[] = {
	U(0), U(1), U(2), U(3), U(4), U(5), U(6), U(7), U(8), U(9), U(10), U(11), U(12), U(13),
	U(14), U(15), U(16), U(17), U(18), U(19), U(20), U(21), U(22), U(23), U(24), U(25),
	U(26), U(27), U(28), U(29), U(30),
	{ "sp", 248, 0 }, { "wsp", 248, 0 },
};
#undef U

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct arch_info arches[ARCH__COUNT] = {
	[ARCH_X86_64] = {
		.name = "x86_64", .e_machine = 62 /* EM_X86_64 */, .pt_regs_size = 168,
		.arg_regs = x86_args, .nargs = N(x86_args), .ret = 80, .sp = 152, .ip = 128,
		/* user mode: the CPL in cs's low bits is 3 */
		.mode_off = 136, .mode_mask = 3, .mode_user = 3,
		.regs = x86_regs, .nregs = N(x86_regs), .usdt_regs = x86_usdt, .nusdt_regs = N(x86_usdt),
	},
	[ARCH_ARM64] = {
		.name = "arm64", .e_machine = 183 /* EM_AARCH64 */, .pt_regs_size = 272,
		.arg_regs = arm64_args, .nargs = N(arm64_args), .ret = 0, .sp = 248, .ip = 256,
		/* user mode: pstate's mode field (PSR_MODE_MASK) is EL0t, 0 */
		.mode_off = 264, .mode_mask = 0xf, .mode_user = 0,
		.regs = arm64_regs, .nregs = N(arm64_regs), .usdt_regs = arm64_usdt,
		.nusdt_regs = N(arm64_usdt),
	},
};
#undef N

const struct arch_info *arch_info(enum arch a)
{
	return &arches[a < ARCH__COUNT ? a : ARCH_X86_64];
}

enum arch arch_host(void)
{
#if defined(__aarch64__)
	return ARCH_ARM64;
#else
	return ARCH_X86_64;
#endif
}

int arch_by_name(const char *name)
{
	if (!strcmp(name, "x86_64") || !strcmp(name, "x86-64") || !strcmp(name, "amd64"))
		return ARCH_X86_64;
	if (!strcmp(name, "arm64") || !strcmp(name, "aarch64"))
		return ARCH_ARM64;
	return -1;
}

int arch_by_machine(uint16_t e_machine)
{
	for (int i = 0; i < ARCH__COUNT; i++)
		if (arches[i].e_machine == e_machine)
			return i;
	return -1;
}

int arch_reg_offset(const struct arch_info *a, const char *name)
{
	for (unsigned i = 0; i < a->nregs; i++)
		if (!strcmp(a->regs[i].name, name))
			return a->regs[i].off;
	return -1;
}

const struct arch_reg *arch_usdt_reg(const struct arch_info *a, const char *name)
{
	for (unsigned i = 0; i < a->nusdt_regs; i++)
		if (!strcmp(a->usdt_regs[i].name, name))
			return &a->usdt_regs[i];
	return NULL;
}
