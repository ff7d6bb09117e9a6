/* cg_dump: -d bpf, the instructions of every program in the emitted object. */
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include <llvm-c/Disassembler.h>
#include <llvm-c/Target.h>

#include "codegen/cg.h"

/* Each program's section, then one instruction a line: "  12: r1 = 0x0 ll".
 * A wide load (ld_imm64) takes two slots, numbered like bpftool's. */
int cg_dump_bpf(FILE *out, const void *elf, size_t size)
{
	LLVMInitializeBPFDisassembler();
	LLVMDisasmContextRef dc = LLVMCreateDisasm("bpfel", NULL, 0, NULL, NULL);
	if (!dc)
		return -1;
	elf_version(EV_CURRENT);
	Elf *e = elf_memory((char *)elf, size);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		LLVMDisasmDispose(dc);
		if (e)
			elf_end(e);
		return -1;
	}
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !data->d_size)
			continue;
		fprintf(out, "%s:\n", elf_strptr(e, shstrndx, sh.sh_name));
		uint8_t *p = data->d_buf;
		uint64_t off = 0;
		while (off < data->d_size) {
			char text[128];
			size_t n = LLVMDisasmInstruction(dc, p + off, data->d_size - off, off, text, sizeof text);
			if (!n) {
				fprintf(out, "  %4llu: (unknown)\n", (unsigned long long)(off / 8));
				n = 8;
			} else {
				const char *t = text;
				while (*t == '\t' || *t == ' ')
					t++;
				fprintf(out, "  %4llu: %s\n", (unsigned long long)(off / 8), t);
			}
			off += n;
		}
	}
	elf_end(e);
	LLVMDisasmDispose(dc);
	return 0;
}
