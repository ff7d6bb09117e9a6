/* probe_usdt: usdt:PATH[:PROVIDER]:PROBE, the SystemTap notes (.note.stapsdt) of ELF objects. */
#include <errno.h>
#include <string.h>

#include "probes/binary.h"
#include "probes/point.h"
#include "probes/provider.h"

/* SystemTap SDT note: type 3, owner "stapsdt"; the descriptor holds the
 * probe's pc, the .stapsdt.base address and the semaphore (each an ELF
 * address wide), then "provider\0name\0arguments\0". */
#define NT_STAPSDT 3

struct pats {
	const char *ns, *name;
};

static int list_notes(const char *path, const struct pats *p, struct rt_out *out)
{
	struct rt_elf e;
	int err = rt_elf_open(path, &e);
	if (err)
		return err;
	size_t addr = gelf_getclass(e.elf) == ELFCLASS32 ? 4 : 8;
	for (Elf_Scn *s = NULL; (s = elf_nextscn(e.elf, s));) {
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
			    nh.n_descsz < 3 * addr + 2)
				continue;
			const char *prov = d + 3 * addr;
			const char *name = memchr(prov, '\0', (size_t)(end - prov));
			if (!name++ || name >= end || !memchr(name, '\0', (size_t)(end - name)))
				continue;
			if (rt_glob(p->ns, prov, strlen(prov)) && rt_glob(p->name, name, strlen(name)))
				rt_out_addf(out, NULL, "%s:%s:%s", path, prov, name);
		}
	}
	rt_elf_close(&e);
	return 0;
}

static int list_usdt(const struct rt_match *m, struct rt_out *out)
{
	const char *path;
	struct pats p = { "*", "*" };
	switch (m->nparts) {
	case 3:
		path = m->part[0];
		p.ns = m->part[1];
		p.name = m->part[2];
		break;
	case 2:
		path = m->part[0];
		p.name = m->part[1];
		break;
	default:
		if (!m->pid && !m->named)
			return 0;  /* a search across providers: no binary to search */
		path = "*";
		if (m->nparts)
			p.name = m->part[0];
		break;
	}
	/* An empty part is any: usdt:PATH::PROBE, usdt::PROVIDER:PROBE with -p */
	if (!*path)
		path = "*";
	if (!*p.ns)
		p.ns = "*";
	if (!*p.name)
		p.name = "*";
	struct rt_bins bins = { 0 };
	int err;
	/* usdt:*:... without -p means every object of every process (bpftrace). */
	if (!strcmp(path, "*") && !m->pid) {
		err = rt_bin_all_objects(&bins);
		if (err)
			diag_plain(m->d, DIAG_ERROR, "cannot list processes in /proc: %s",
				   strerror(-err));
	} else
		err = rt_bin_resolve(path, m->pid, "usdt", m->d, &bins);
	for (size_t i = 0; !err && i < bins.n; i++) {
		int e = list_notes(bins.path[i], &p, out);
		if (e && bins.n == 1 && !rt_has_wild(path)) {
			diag_plain(m->d, DIAG_ERROR, "cannot read '%s': %s", bins.path[i],
				   strerror(-e));
			err = e;
		}
	}
	rt_bins_free(&bins);
	return err;
}

static void parse_usdt(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 2, 4, "usdt:BINARY:PROBE or usdt:BINARY:PROVIDER:PROBE"))
		return;
	if (n == 2) {
		pt->func = parts[1];
	} else if (n == 3) {
		pt->target = parts[1];
		pt->func = parts[2];
	} else {
		pt->target = parts[1];
		pt->ns = parts[2];
		pt->func = parts[3];
	}
}

static unsigned parts_usdt(const struct probe_point *pt, const char **parts)
{
	unsigned n = 0;
	if (!pt->func)
		return 0;
	parts[n++] = pt->target ? pt->target : "*";
	if (pt->ns)
		parts[n++] = pt->ns;
	parts[n++] = pt->func;
	return n;
}

const struct rt_provider rt_prov_usdt = {
	.type = PROBE_USDT, .name = "usdt", .form = "usdt:PATH[:PROVIDER]:PROBE",
	.max_parts = 3, .flags = RT_PROV_USER | RT_PROV_REVERSE, .wildcards = true,
	.parse = parse_usdt, .parts = parts_usdt, .list = list_usdt,
	.expand = RT_EXPAND_USDT, .args = RT_ARGS_REGS,
	/* a uprobe at the site: libbpf 1.1's usdt section would attach it itself */
	.section = "uprobe", .attach = RT_ATTACH_UPROBE,
};
