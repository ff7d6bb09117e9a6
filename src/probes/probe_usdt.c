/* probe_usdt: usdt:PATH[:PROVIDER]:PROBE, the SystemTap notes (.note.stapsdt) of ELF objects. */
#include <errno.h>
#include <string.h>

#include "probes/binary.h"
#include "probes/point.h"
#include "probes/provider.h"
#include "probes/usdt.h"

struct pats {
	const char *ns, *name;
	const char *path;
	struct rt_out *out;
};

static void list_note(const struct rt_usdt_note *note, void *arg)
{
	const struct pats *p = arg;
	if (rt_glob(p->ns, note->provider, strlen(note->provider)) &&
	    rt_glob(p->name, note->name, strlen(note->name)))
		rt_out_addf(p->out, NULL, "%s:%s:%s", p->path, note->provider, note->name);
}

static int list_notes(const char *path, const struct pats *p, struct rt_out *out)
{
	struct rt_elf e;
	int err = rt_elf_open(path, &e);
	if (err)
		return err;
	struct pats q = *p;
	q.path = path;
	q.out = out;
	rt_usdt_notes(e.elf, list_note, &q);
	rt_elf_close(&e);
	return 0;
}

static int list_usdt(const struct rt_match *m, struct rt_out *out)
{
	const char *path;
	struct pats p = { .ns = "*", .name = "*" };
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
