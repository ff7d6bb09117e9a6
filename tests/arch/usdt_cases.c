/* usdt_cases: USDT operand strings of both machines read into register offsets, sizes and displacements (TAP). */
#include <stdio.h>
#include <string.h>

#include "common/arch.h"
#include "probes/usdt.h"

struct ucase {
	enum arch arch;
	const char *text;
	enum rt_usdt_arg_kind kind;
	int size;          /* negative: signed */
	int reg;           /* REG, MEM: the (base) register's pt_regs offset */
	long long value;   /* CONST, MEM */
};

/* The offsets are the kernel's struct pt_regs (x86-64) and struct
 * user_pt_regs (arm64: x0..x30 at 8 * N, sp at 248). */
static const struct ucase cases[] = {
	{ ARCH_X86_64, "-4@%edi", RT_USDT_REG, -4, 112, 0 },
	{ ARCH_X86_64, "8@%rax", RT_USDT_REG, 8, 80, 0 },
	{ ARCH_X86_64, "8@-16(%rbp)", RT_USDT_MEM, 8, 32, -16 },
	{ ARCH_X86_64, "-2@$-3", RT_USDT_CONST, -2, 0, -3 },
	{ ARCH_X86_64, "4@%r12d", RT_USDT_REG, 4, 24, 0 },
	{ ARCH_ARM64, "-4@x0", RT_USDT_REG, -4, 0, 0 },
	{ ARCH_ARM64, "8@x29", RT_USDT_REG, 8, 232, 0 },
	{ ARCH_ARM64, "4@w7", RT_USDT_REG, 4, 56, 0 },
	{ ARCH_ARM64, "8@[x1]", RT_USDT_MEM, 8, 8, 0 },
	{ ARCH_ARM64, "-8@[sp, 16]", RT_USDT_MEM, -8, 248, 16 },
	{ ARCH_ARM64, "4@[x2,-8]", RT_USDT_MEM, 4, 16, -8 },
	{ ARCH_ARM64, "-4@[x19, #24]", RT_USDT_MEM, -4, 152, 24 },
	{ ARCH_ARM64, "-2@-3", RT_USDT_CONST, -2, 0, -3 },
	{ ARCH_ARM64, "8@#100", RT_USDT_CONST, 8, 0, 100 },
};

/* Operands neither reader knows: an error, never a wrong read. */
static const struct { enum arch arch; const char *text; } bad[] = {
	{ ARCH_ARM64, "8@x31" }, { ARCH_ARM64, "8@[x1, 8" }, { ARCH_ARM64, "3@x1" },
	{ ARCH_ARM64, "8@%rax" }, { ARCH_X86_64, "8@x1" }, { ARCH_X86_64, "8@[x1]" },
};

static bool parse(enum arch a, const char *text, struct rt_usdt_arg *out, const char **err)
{
	if (a == ARCH_ARM64)
		return rt_usdt_arg_parse_arm64(text, out, err);
	return rt_usdt_arg_parse(text, 0, NULL, NULL, out, err);
}

int main(void)
{
	size_t n = sizeof cases / sizeof cases[0], nb = sizeof bad / sizeof bad[0];
	int failed = 0;
	printf("1..%zu\n", n + nb);
	for (size_t i = 0; i < n; i++) {
		const struct ucase *c = &cases[i];
		struct rt_usdt_arg a;
		const char *err = NULL;
		bool ok = parse(c->arch, c->text, &a, &err) && a.kind == c->kind &&
			  a.size == (c->size < 0 ? -c->size : c->size) && a.is_signed == (c->size < 0) &&
			  (c->kind == RT_USDT_CONST || a.reg == c->reg) &&
			  (c->kind == RT_USDT_REG || a.value == c->value);
		printf("%s %zu - %s %s\n", ok ? "ok" : "not ok", i + 1, arch_info(c->arch)->name, c->text);
		if (!ok) {
			printf("#   err=%s kind=%d size=%d signed=%d reg=%d value=%lld\n", err ? err : "-",
			       (int)a.kind, a.size, a.is_signed, a.reg, (long long)a.value);
			failed++;
		}
	}
	for (size_t i = 0; i < nb; i++) {
		struct rt_usdt_arg a;
		const char *err = NULL;
		bool ok = !parse(bad[i].arch, bad[i].text, &a, &err) && err;
		printf("%s %zu - %s %s is refused (%s)\n", ok ? "ok" : "not ok", n + i + 1,
		       arch_info(bad[i].arch)->name, bad[i].text, err ? err : "accepted");
		failed += !ok;
	}
	return failed != 0;
}
