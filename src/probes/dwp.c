/* dwp: the split units of a DWARF package (.dwp), each cut out by the unit index and opened as a .dwo. */
#include "probes/dwp.h"

#include <elf.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "probes/binary.h"

/* One unit made into a .dwo image in memory (libdw reads it in place). */
struct dwp_unit {
	uint32_t row;
	char *image;
	Elf *elf;
	Dwarf *dw;
};

struct rt_dwp {
	struct rt_elf elf;
	const unsigned char *index;     /* .debug_cu_index */
	uint32_t version, ncols, nunits, nslots;
	struct dwp_unit *units;
	size_t nopen;
};

/* The section each column of the index is a slice of, by the index's
 * version: 2 is the GNU extension to DWARF 4, 5 is DWARF 5's own (7.3.5). */
static const char *section_name(uint32_t version, uint32_t id)
{
	static const char *const v2[] = {
		[1] = ".debug_info.dwo", [2] = ".debug_types.dwo", [3] = ".debug_abbrev.dwo",
		[4] = ".debug_line.dwo", [5] = ".debug_loc.dwo", [6] = ".debug_str_offsets.dwo",
		[7] = ".debug_macinfo.dwo", [8] = ".debug_macro.dwo",
	};
	static const char *const v5[] = {
		[1] = ".debug_info.dwo", [3] = ".debug_abbrev.dwo", [4] = ".debug_line.dwo",
		[5] = ".debug_loclists.dwo", [6] = ".debug_str_offsets.dwo", [7] = ".debug_macro.dwo",
		[8] = ".debug_rnglists.dwo",
	};
	if (id > 8)
		return NULL;
	return version == 2 ? v2[id] : v5[id];
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static const Elf_Data *section_data(Elf *elf, const char *name)
{
	Elf_Scn *scn = rt_elf_section(elf, name);
	GElf_Shdr sh;
	if (!scn || !gelf_getshdr(scn, &sh) || (sh.sh_flags & SHF_COMPRESSED))
		return NULL;
	return elf_getdata(scn, NULL);
}

struct rt_dwp *rt_dwp_open(const char *path)
{
	struct rt_elf e;
	if (rt_elf_open(path, &e))
		return NULL;
	const char *ident = elf_getident(e.elf, NULL);
	const Elf_Data *ix = section_data(e.elf, ".debug_cu_index");
	/* the index is read in the host's byte order and the image written
	 * as ELF64: a package for another machine is not read */
	bool ok = ident && ident[EI_CLASS] == ELFCLASS64 && ix && ix->d_size >= 16 &&
		  ident[EI_DATA] == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB);
	struct rt_dwp *p = NULL;
	if (ok) {
		const unsigned char *d = ix->d_buf;
		/* version: a 4-byte 2, or DWARF 5's 2-byte 5 and 2 bytes of padding */
		uint32_t version = rd32(d) & 0xffff, ncols = rd32(d + 4), nunits = rd32(d + 8),
			 nslots = rd32(d + 12);
		uint64_t need = 16 + 12ull * nslots + 4ull * ncols + 8ull * nunits * ncols;
		if ((version == 2 || version == 5) && ncols && ncols <= 16 && need <= ix->d_size) {
			p = xcalloc(1, sizeof(*p));
			p->elf = e;
			p->index = d;
			p->version = version;
			p->ncols = ncols;
			p->nunits = nunits;
			p->nslots = nslots;
		}
	}
	if (!p)
		rt_elf_close(&e);
	return p;
}

void rt_dwp_free(struct rt_dwp *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nopen; i++) {
		dwarf_end(p->units[i].dw);
		elf_end(p->units[i].elf);
		free(p->units[i].image);
	}
	free(p->units);
	rt_elf_close(&p->elf);
	free(p);
}

/* A slice of one section of the package, to become a section of the image. */
struct piece {
	const char *name;
	const unsigned char *data;
	uint64_t size;
};

/* An ELF64 relocatable file of just these sections, which is all libdw
 * needs to read a .dwo: header, the sections' bytes, their names, then the
 * section headers. */
static char *make_image(struct rt_dwp *p, const struct piece *pc, size_t n, size_t *size)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(p->elf.elf, &eh))
		return NULL;
	size_t names = 1 + sizeof(".shstrtab");
	uint64_t off = sizeof(Elf64_Ehdr);
	for (size_t i = 0; i < n; i++) {
		names += strlen(pc[i].name) + 1;
		off += pc[i].size;
	}
	uint64_t shoff = (off + names + 7) & ~7ull;
	size_t nsec = n + 2;
	*size = shoff + nsec * sizeof(Elf64_Shdr);
	char *img = xcalloc(1, *size);
	Elf64_Ehdr *h = (Elf64_Ehdr *)img;
	memcpy(h->e_ident, elf_getident(p->elf.elf, NULL), EI_NIDENT);
	h->e_type = ET_REL;
	h->e_machine = eh.e_machine;
	h->e_version = EV_CURRENT;
	h->e_shoff = shoff;
	h->e_ehsize = sizeof(Elf64_Ehdr);
	h->e_shentsize = sizeof(Elf64_Shdr);
	h->e_shnum = (uint16_t)nsec;
	h->e_shstrndx = (uint16_t)(nsec - 1);
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + shoff);
	char *strtab = img + off;
	size_t name_at = 1;
	off = sizeof(Elf64_Ehdr);
	for (size_t i = 0; i < n; i++) {
		memcpy(img + off, pc[i].data, pc[i].size);
		sh[i + 1] = (Elf64_Shdr){ .sh_name = (uint32_t)name_at, .sh_type = SHT_PROGBITS,
					  .sh_offset = off, .sh_size = pc[i].size, .sh_addralign = 1 };
		strcpy(strtab + name_at, pc[i].name);
		name_at += strlen(pc[i].name) + 1;
		off += pc[i].size;
	}
	strcpy(strtab + name_at, ".shstrtab");
	sh[nsec - 1] = (Elf64_Shdr){ .sh_name = (uint32_t)name_at, .sh_type = SHT_STRTAB,
				     .sh_offset = off, .sh_size = names, .sh_addralign = 1 };
	return img;
}

Dwarf *rt_dwp_unit(struct rt_dwp *p, uint64_t dwo_id)
{
	if (!p)
		return NULL;
	const unsigned char *d = p->index;
	const unsigned char *sigs = d + 16, *rows = sigs + 8ull * p->nslots;
	const unsigned char *ids = rows + 4ull * p->nslots, *offs = ids + 4ull * p->ncols;
	const unsigned char *sizes = offs + 4ull * p->nunits * p->ncols;
	uint32_t row = 0;
	for (uint32_t s = 0; s < p->nslots && !row; s++) {
		uint64_t sig;
		memcpy(&sig, sigs + 8ull * s, sizeof(sig));
		if (sig == dwo_id)
			row = rd32(rows + 4ull * s);
	}
	if (!row || row > p->nunits)
		return NULL;
	for (size_t i = 0; i < p->nopen; i++)
		if (p->units[i].row == row)
			return p->units[i].dw;
	/* the unit's slice of each section in the index, and the strings whole */
	struct piece pc[17];
	size_t n = 0;
	for (uint32_t c = 0; c < p->ncols; c++) {
		const char *name = section_name(p->version, rd32(ids + 4ull * c));
		const Elf_Data *sd = name ? section_data(p->elf.elf, name) : NULL;
		uint64_t at = rd32(offs + 4ull * ((row - 1) * p->ncols + c));
		uint64_t len = rd32(sizes + 4ull * ((row - 1) * p->ncols + c));
		if (!sd || at + len > sd->d_size)
			continue;
		pc[n++] = (struct piece){ name, (const unsigned char *)sd->d_buf + at, len };
	}
	const Elf_Data *str = section_data(p->elf.elf, ".debug_str.dwo");
	if (str)
		pc[n++] = (struct piece){ ".debug_str.dwo", str->d_buf, str->d_size };
	size_t size;
	char *img = make_image(p, pc, n, &size);
	Elf *elf = img ? elf_memory(img, size) : NULL;
	Dwarf *dw = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
	if (!dw) {
		elf_end(elf);
		free(img);
		return NULL;
	}
	p->units = xrealloc(p->units, (p->nopen + 1) * sizeof(*p->units));
	p->units[p->nopen++] = (struct dwp_unit){ row, img, elf, dw };
	return dw;
}
