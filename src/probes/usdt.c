/* usdt: read .note.stapsdt probe sites and their operand strings, x86-64's and arm64's (the catalogue's USDT facts). */
#include "probes/usdt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/arch.h"
#include "probes/binary.h"
#include "probes/provider.h"

/* SystemTap SDT note: type 3, owner "stapsdt"; the descriptor holds the
 * probe's pc, the .stapsdt.base address and the semaphore (each an ELF
 * address wide), then "provider\0name\0arguments\0". */
#define NT_STAPSDT 3

/* "%name" at *s: the register, *s moved past it. r8..r15 take a d/w/b
 * suffix for their narrower views. */
static const struct arch_reg *parse_reg(const char **s)
{
	if (**s != '%')
		return NULL;
	const char *p = *s + 1, *e = p;
	while ((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9'))
		e++;
	size_t n = (size_t)(e - p);
	char name[8];
	if (n == 0 || n >= sizeof name)
		return NULL;
	memcpy(name, p, n);
	name[n] = '\0';
	if (name[0] == 'r' && name[1] >= '0' && name[1] <= '9' &&
	    (name[n - 1] == 'd' || name[n - 1] == 'w' || name[n - 1] == 'b'))
		name[n - 1] = '\0';
	const struct arch_reg *r = arch_usdt_reg(arch_info(ARCH_X86_64), name);
	if (r)
		*s = e;
	return r;
}

/* The operand's size prefix, "N@" or "-N@": *s moved past it. */
static bool parse_size(const char **s, struct rt_usdt_arg *out, const char **err)
{
	const char *at = strchr(*s, '@');
	if (!at)
		return true;
	char *end;
	long sz = strtol(*s, &end, 10);
	long mag = sz < 0 ? -sz : sz;
	if (end != at || sz == 0 || mag > 8 || (mag & (mag - 1))) {
		*err = "bad operand size";
		return false;
	}
	out->is_signed = sz < 0;
	out->size = (uint8_t)mag;
	*s = at + 1;
	return true;
}

bool rt_usdt_arg_parse(const char *text, uint64_t pc_vaddr,
		       bool (*resolve)(const char *sym, uint64_t *vaddr, void *arg), void *rarg,
		       struct rt_usdt_arg *out, const char **err)
{
	*out = (struct rt_usdt_arg){ .size = 8, .is_signed = true };
	const char *s = text;
	if (!parse_size(&s, out, err))
		return false;
	if (*s == '$') {
		char *end;
		out->kind = RT_USDT_CONST;
		errno = 0;
		out->value = s[1] == '-' ? strtoll(s + 1, &end, 0) : (int64_t)strtoull(s + 1, &end, 0);
		if (end == s + 1 || *end || errno) {
			*err = "constant operand that is not a number";
			return false;
		}
		return true;
	}
	if (*s == '%') {
		const struct arch_reg *r = parse_reg(&s);
		if (!r || *s) {
			*err = "unknown register";
			return false;
		}
		out->kind = RT_USDT_REG;
		out->reg = r->off;
		out->reg_shift = r->shift;
		return true;
	}
	/* Memory: [disp|sym[+-off]](%base[,%index[,scale]]) */
	out->kind = RT_USDT_MEM;
	const char *open = strchr(s, '(');
	if (!open) {
		*err = "operand form not understood";
		return false;
	}
	int64_t disp = 0;
	if (open > s) {
		char buf[256];
		size_t n = (size_t)(open - s);
		if (n >= sizeof buf) {
			*err = "operand too long";
			return false;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		char *end;
		if ((buf[0] >= '0' && buf[0] <= '9') || buf[0] == '-' || buf[0] == '+') {
			disp = strtoll(buf, &end, 0);
			if (*end) {
				*err = "bad displacement";
				return false;
			}
		} else {
			/* sym, sym+N or sym-N */
			char *pm = strpbrk(buf, "+-");
			int64_t off = 0;
			if (pm) {
				off = strtoll(pm, &end, 0);
				if (*end) {
					*err = "bad displacement";
					return false;
				}
				*pm = '\0';
			}
			uint64_t va;
			if (!resolve || !resolve(buf, &va, rarg)) {
				*err = "operand names a symbol the object does not define";
				return false;
			}
			disp = (int64_t)va + off;
		}
	}
	s = open + 1;
	const struct arch_reg *base = parse_reg(&s);
	if (!base) {
		*err = "unknown base register";
		return false;
	}
	out->reg = base->off;
	if (*s == ',') {
		s++;
		const struct arch_reg *idx = parse_reg(&s);
		if (!idx) {
			*err = "unknown index register";
			return false;
		}
		out->has_index = true;
		out->index = idx->off;
		out->scale = 1;
		if (*s == ',') {
			char *end;
			long sc = strtol(s + 1, &end, 10);
			if (sc != 1 && sc != 2 && sc != 4 && sc != 8) {
				*err = "bad scale";
				return false;
			}
			out->scale = (uint8_t)sc;
			s = end;
		}
	}
	if (strcmp(s, ")")) {
		*err = "operand form not understood";
		return false;
	}
	/* A symbol's ELF address, %rip-relative: ip is the probe's runtime
	 * address, so address = ip - pc_vaddr + sym_vaddr whatever the load
	 * bias (PIE, shared libraries). */
	if (base->off == arch_info(ARCH_X86_64)->ip)
		disp -= (int64_t)pc_vaddr;
	out->value = disp;
	return true;
}

/* An arm64 register name at *s (xN, wN, sp, wsp), *s moved past it. */
static const struct arch_reg *parse_reg_arm64(const char **s)
{
	const char *e = *s;
	while ((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9'))
		e++;
	char name[8];
	size_t n = (size_t)(e - *s);
	if (n == 0 || n >= sizeof name)
		return NULL;
	memcpy(name, *s, n);
	name[n] = '\0';
	const struct arch_reg *r = arch_usdt_reg(arch_info(ARCH_ARM64), name);
	if (r)
		*s = e;
	return r;
}

/* arm64's operands (GNU as syntax, as sys/sdt.h writes them): a register
 * "x1", memory "[x1]", "[sp, 16]" or "[x2, -8]", a constant "5" or "#5". */
bool rt_usdt_arg_parse_arm64(const char *text, struct rt_usdt_arg *out, const char **err)
{
	*out = (struct rt_usdt_arg){ .size = 8, .is_signed = true };
	const char *s = text;
	if (!parse_size(&s, out, err))
		return false;
	if (*s == '#' || *s == '-' || (*s >= '0' && *s <= '9')) {
		char *end;
		const char *v = *s == '#' ? s + 1 : s;
		errno = 0;
		out->kind = RT_USDT_CONST;
		out->value = *v == '-' ? strtoll(v, &end, 0) : (int64_t)strtoull(v, &end, 0);
		if (end == v || *end || errno) {
			*err = "constant operand that is not a number";
			return false;
		}
		return true;
	}
	if (*s != '[') {
		const struct arch_reg *r = parse_reg_arm64(&s);
		if (!r || *s) {
			*err = "unknown register";
			return false;
		}
		out->kind = RT_USDT_REG;
		out->reg = r->off;
		return true;
	}
	s++;
	const struct arch_reg *base = parse_reg_arm64(&s);
	if (!base) {
		*err = "unknown base register";
		return false;
	}
	out->kind = RT_USDT_MEM;
	out->reg = base->off;
	if (*s == ',') {
		s++;
		while (*s == ' ')
			s++;
		if (*s == '#')
			s++;
		char *end;
		errno = 0;
		out->value = strtoll(s, &end, 0);
		if (end == s || errno) {
			*err = "bad displacement";
			return false;
		}
		s = end;
	}
	if (strcmp(s, "]")) {
		*err = "operand form not understood";
		return false;
	}
	return true;
}

/* ELF address to file offset through the PT_LOAD segment that holds it;
 * false when none does. */
static bool vaddr_to_off(Elf *elf, uint64_t va, uint64_t *off)
{
	size_t n;
	if (elf_getphdrnum(elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && va >= ph.p_vaddr &&
		    va < ph.p_vaddr + ph.p_memsz) {
			*off = va - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

struct symtab {
	Elf *elf;
};

static bool resolve_sym(const char *name, uint64_t *va, void *arg)
{
	Elf *elf = ((struct symtab *)arg)->elf;
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(s, NULL);
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; data && i < n; i++) {
			GElf_Sym sym;
			const char *sn;
			if (gelf_getsym(data, (int)i, &sym) && sym.st_shndx != SHN_UNDEF &&
			    (sn = elf_strptr(elf, sh.sh_link, sym.st_name)) && !strcmp(sn, name)) {
				*va = sym.st_value;
				return true;
			}
		}
	}
	return false;
}

/* Operands are separated by spaces; an arm64 memory operand holds one
 * between its brackets ("[sp, 16]"). */
static size_t operand_len(const char *p)
{
	size_t n = 0;
	int depth = 0;
	for (; p[n] && (depth || p[n] != ' '); n++)
		depth += p[n] == '[' ? 1 : p[n] == ']' ? -1 : 0;
	return n;
}

static void parse_args(struct arena *a, Elf *elf, const char *text, uint64_t pc, struct rt_usdt_site *site)
{
	struct symtab st = { elf };
	size_t cap = 0;
	GElf_Ehdr eh;
	bool arm64 = gelf_getehdr(elf, &eh) && arch_by_machine(eh.e_machine) == ARCH_ARM64;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = operand_len(p);
		char *one = arena_strndup(a, p, n);
		site->args = arena_grow(a, site->args, site->nargs, &cap, sizeof(*site->args));
		bool ok = arm64 ? rt_usdt_arg_parse_arm64(one, &site->args[site->nargs], &site->error)
				: rt_usdt_arg_parse(one, pc, resolve_sym, &st, &site->args[site->nargs],
						    &site->error);
		if (!ok) {
			site->error = arena_printf(a, "argument %u ('%s'): %s", site->nargs, one, site->error);
			return;
		}
		site->nargs++;
		p += n;
	}
}

void rt_usdt_notes(Elf *elf, void (*fn)(const struct rt_usdt_note *note, void *arg), void *arg)
{
	size_t asz = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	for (Elf_Scn *s = NULL; (s = elf_nextscn(elf, s));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(s, NULL);
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *d = (const char *)data->d_buf + desc_off, *end = d + nh.n_descsz;
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((const char *)data->d_buf + name_off, "stapsdt", 8) ||
			    nh.n_descsz < 3 * asz + 2)
				continue;
			const char *pv = d + 3 * asz;
			const char *nm = memchr(pv, '\0', (size_t)(end - pv));
			if (!nm++ || nm >= end)
				continue;
			const char *args = memchr(nm, '\0', (size_t)(end - nm));
			if (!args++)
				continue;
			if (args >= end || !memchr(args, '\0', (size_t)(end - args)))
				args = "";
			struct rt_usdt_note note = { d, asz, pv, nm, args };
			fn(&note, arg);
		}
	}
}

struct sites {
	Elf *elf;
	const char *prov, *name;
	struct arena *a;
	GElf_Shdr bsh;
	bool have_base;
	struct rt_usdt_site *v;
	size_t n, cap;
};

static void add_site(const struct rt_usdt_note *note, void *arg)
{
	struct sites *st = arg;
	struct arena *a = st->a;
	if ((st->prov && !rt_glob(st->prov, note->provider, strlen(note->provider))) ||
	    (st->name && !rt_glob(st->name, note->name, strlen(note->name))))
		return;
	uint64_t pc = 0, base = 0, sema = 0;
	memcpy(&pc, note->desc, note->addr_size);
	memcpy(&base, note->desc + note->addr_size, note->addr_size);
	memcpy(&sema, note->desc + 2 * note->addr_size, note->addr_size);
	if (st->have_base && base)
		pc += st->bsh.sh_addr - base;
	st->v = arena_grow(a, st->v, st->n, &st->cap, sizeof(*st->v));
	struct rt_usdt_site *site = &st->v[st->n];
	*site = (struct rt_usdt_site){
		.provider = arena_strdup(a, note->provider), .name = arena_strdup(a, note->name),
		.arg_text = arena_strdup(a, note->args),
	};
	if (!vaddr_to_off(st->elf, pc, &site->offset)) {
		site->error = "its address is in no loaded segment";
		site->offset = pc;
	}
	if (sema) {
		if (st->have_base && base)
			sema += st->bsh.sh_addr - base;
		if (!vaddr_to_off(st->elf, sema, &site->sema_offset))
			site->error = "its semaphore is in no loaded segment";
	}
	if (!site->error)
		parse_args(a, st->elf, site->arg_text, pc, site);
	st->n++;
}

long rt_usdt_sites(const char *path, const char *prov, const char *name, struct arena *a,
		   struct rt_usdt_site **out)
{
	struct rt_elf e;
	int err = rt_elf_open(path, &e);
	if (err)
		return err;
	struct sites st = { .elf = e.elf, .prov = prov, .name = name, .a = a };
	/* Prelinking moves .stapsdt.base; the notes hold its link-time address. */
	Elf_Scn *bs = rt_elf_section(e.elf, ".stapsdt.base");
	st.have_base = bs && gelf_getshdr(bs, &st.bsh);
	rt_usdt_notes(e.elf, add_site, &st);
	rt_elf_close(&e);
	*out = st.v;
	return (long)st.n;
}
