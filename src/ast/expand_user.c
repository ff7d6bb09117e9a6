/* expand_user: uprobe/uretprobe and usdt attach points into probes, from the objects' symbols and SDT notes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast/expand_impl.h"
#include "probes/binary.h"
#include "probes/features.h"
#include "probes/provider.h"
#include "probes/usdt.h"

/* The objects a uprobe or usdt target names: "*" or nothing with -p is
 * every object the process maps; a glob may name none. false: reported. */
static bool objects(struct expander *x, struct ast *ap, const char *what, struct rt_bins *bins)
{
	struct probe_point *at = ap->ap;
	const char *target = at->target && *at->target ? at->target : "*";
	if (!strcmp(target, "*") && !x->ctx->pid) {
		diag_error(x->ctx->diag, ap->span, "%s: a %s probe without a binary needs -p PID "
			   "(%s:BINARY:... names the binary)", at->raw, what, what);
		x->errors++;
		return false;
	}
	if (rt_bin_resolve(target, x->ctx->pid, what, x->ctx->diag, bins) < 0) {
		x->errors++;
		return false;
	}
	/* the programs read the target machine's registers: a binary of
	 * another would have its arguments read from the wrong places */
	for (size_t i = 0; i < bins->n; i++) {
		int m = rt_bin_machine(bins->path[i]);
		int a = m >= 0 ? arch_by_machine((uint16_t)m) : -1;
		if (a >= 0 && a != (int)x->ctx->arch) {
			diag_error(x->ctx->diag, ap->span, "%s is an %s binary, and the program is for "
				   "%s: compile it with --target-arch %s", bins->path[i],
				   arch_info((enum arch)a)->name, arch_info(x->ctx->arch)->name,
				   arch_info((enum arch)a)->name);
			x->errors++;
			return false;
		}
	}
	return true;
}

/* ---- uprobe, uretprobe ---- */

struct fsym {
	const char *name;
	uint64_t addr, size;
};

struct fsyms {
	struct arena *a;
	const char *pat;
	bool cpp;          /* uprobe:BIN:cpp:PATTERN: match C++ names demangled */
	struct fsym *v;
	size_t n, cap;
};

/* libstdc++'s demangler; weak, so that a build linking no C++ runtime (the
 * front end's fuzz target) still links, and cpp: then matches raw names. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *n, int *status) __attribute__((weak));

/* Whether a C++ symbol matches: against its demangled name, with the
 * parameter list only when the pattern has one ("ns::f(int)"), as in
 * bpftrace. */
static bool cpp_match(const char *pat, const char *name)
{
	if (strncmp(name, "_Z", 2) || !__cxa_demangle)
		return rt_glob(pat, name, strlen(name));
	int st = 0;
	char *dem = __cxa_demangle(name, NULL, NULL, &st);
	if (!dem || st)
		return rt_glob(pat, name, strlen(name));
	size_t n = strlen(dem);
	const char *paren = strchr(pat, '(') ? NULL : strchr(dem, '(');
	if (paren)
		n = (size_t)(paren - dem);
	bool ok = rt_glob(pat, dem, n);
	free(dem);
	return ok;
}

static void take_sym(const char *name, uint64_t addr, uint64_t size, void *arg)
{
	struct fsyms *f = arg;
	/* GCC's .part.N fragments are no function entry; bpftrace hides them. */
	if (strstr(name, ".part."))
		return;
	if (f->cpp ? !cpp_match(f->pat, name) : !rt_glob(f->pat, name, strlen(name)))
		return;
	f->v = arena_grow(f->a, f->v, f->n, &f->cap, sizeof(*f->v));
	f->v[f->n++] = (struct fsym){ arena_strdup(f->a, name), addr, size };
}

static int by_name(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

/* One probe at ELF address va of path, checked against the function's size
 * when it is known. */
static void uprobe_at(struct expander *x, struct ast *probe, struct ast *ap, const char *path,
		      const char *func, uint64_t va, uint64_t size)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	if (!size && at->func && !at->wildcard && !x->ctx->unsafe) {
		/* no size: nothing says the address starts an instruction
		 * (current bpftrace's two lines) */
		expand_unattachable(x, ap, arena_printf(a, "%s:%s:%s", probetype_name(at->ptype), path, func),
				    arena_printf(a, "Could not determine boundary for %s (symbol has size 0).\n"
						 "Use --unsafe to force attachment. WARNING: This option could "
						 "lead to data corruption in the target process.", func), NULL);
		return;
	}
	if (at->has_offset && size && at->offset >= size) {
		/* bpftrace's words; the kernel alone would say only EINVAL */
		diag_error(d, ap->span, "%s: Offset outside the function bounds ('%s' size is %llu)",
			   at->raw, func, (unsigned long long)size);
		x->errors++;
		return;
	}
	uint64_t off;
	int err = rt_bin_vaddr_offset(path, va + (at->has_offset ? at->offset : 0), &off);
	if (err) {
		if (err == -ERANGE)
			diag_error(d, ap->span, "%s: address 0x%llx is not in a loaded segment of %s", at->raw,
				   (unsigned long long)(va + at->offset), path);
		else
			diag_error(d, ap->span, "%s: cannot read %s: %s", at->raw, path, strerror(-err));
		x->errors++;
		return;
	}
	struct sema_expansion *e = expand_add(x, probe, ap);
	e->target = path;
	e->func = func;
	e->offset = off;
	const char *suffix = at->has_offset ? arena_printf(a, "+%llu", (unsigned long long)at->offset) : "";
	/* C++: named by the mangled symbol, as bpftrace names them */
	const char *lang = at->lang && !strcmp(at->lang, "cpp") ? "cpp:" : "";
	e->name = arena_printf(a, "%s:%s:%s%s%s", probetype_name(at->ptype), path, lang, func, suffix);
}

/* uprobe:BINARY:ADDRESS: the ELF address of a function's first instruction
 * (the function is then `func`); anywhere else only with --unsafe, as in
 * bpftrace, since a breakpoint inside an instruction corrupts the process. */
static void address(struct expander *x, struct ast *probe, struct ast *ap, const char *path,
		    const struct fsyms *f)
{
	struct probe_point *at = ap->ap;
	const struct fsym *in = NULL;
	for (size_t j = 0; j < f->n; j++) {
		if (f->v[j].addr == at->addr) {
			uprobe_at(x, probe, ap, path, f->v[j].name, at->addr, 0);
			return;
		}
		if (at->addr > f->v[j].addr && at->addr < f->v[j].addr + f->v[j].size)
			in = &f->v[j];
	}
	if (!x->ctx->unsafe) {
		/* bpftrace's words when no function holds it */
		if (in)
			diag_error(x->ctx->diag, ap->span, "%s: address 0x%llx is inside %s+%llu, not at a "
				   "function's start (--unsafe allows it)", at->raw, (unsigned long long)at->addr,
				   in->name, (unsigned long long)(at->addr - in->addr));
		else   /* current bpftrace's line, then why */
			expand_unattachable(x, ap, at->raw, arena_printf(x->ctx->arena, "Could not resolve "
					    "address: %s:0x%llx", path, (unsigned long long)at->addr),
					    arena_printf(x->ctx->arena, "no function of %s starts there; "
							 "--unsafe allows any address", path));
		if (in)
			x->errors++;
		return;
	}
	uprobe_at(x, probe, ap, path, arena_printf(x->ctx->arena, "0x%llx", (unsigned long long)at->addr),
		  at->addr, 0);
}

/* uprobe:BINARY@FILE:LINE[:COLUMN] (bpftrace 0.26): the line's code
 * addresses from the binary's DWARF line table, one probe each, named as
 * written; `func` is the function holding the address. */
static void source_line(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	struct rt_bins bins = { 0 };
	if (!objects(x, ap, probetype_name(at->ptype), &bins))
		return;
	if (bins.n != 1) {
		diag_error(d, ap->span, "%s: a source line needs one binary ('%s' names %zu)", at->raw,
			   at->target, bins.n);
		x->errors++;
		rt_bins_free(&bins);
		return;
	}
	const char *path = arena_strdup(a, bins.path[0]);
	rt_bins_free(&bins);
	uint64_t addrs[64];
	long n = sema_dwarf_line(path, at->src_file, at->line, at->column, addrs, 64);
	if (n <= 0) {
		if (n == -ENODATA)
			diag_error(d, ap->span, "%s: %s has no DWARF line table (built without -g?)", at->raw, path);
		else if (n == -ENOENT)
			diag_error(d, ap->span, "%s: %s's DWARF knows no source file %s", at->raw, path,
				   at->src_file);
		else
			diag_error(d, ap->span, "%s: line %u of %s has no code in %s", at->raw, at->line,
				   at->src_file, path);
		x->errors++;
		return;
	}
	struct fsyms f = { .a = a, .pat = "*" };
	rt_bin_func_syms(path, take_sym, &f);
	for (long i = 0; i < n; i++) {
		const char *func = arena_printf(a, "0x%llx", (unsigned long long)addrs[i]);
		for (size_t j = 0; j < f.n; j++)
			if (addrs[i] >= f.v[j].addr && addrs[i] < f.v[j].addr + f.v[j].size) {
				func = f.v[j].name;
				break;
			}
		uint64_t off;
		if (rt_bin_vaddr_offset(path, addrs[i], &off))
			continue;
		struct sema_expansion *e = expand_add(x, probe, ap);
		e->target = path;
		e->func = func;
		e->offset = off;
		const char *colstr = at->column ? arena_printf(a, ":%u", at->column) : "";
		e->name = arena_printf(a, "%s:%s@%s:%u%s", probetype_name(at->ptype), path, at->src_file,
				       at->line, colstr);
	}
}

/* uprobe:BINARY:FUNCTION[+OFFSET], uprobe:BINARY:ADDRESS: every function
 * the glob matches in every object the target names, sorted by object then
 * name, each once (aliases of one address keep their own names). */
/* uprobe:FILE:ADDRESS with --unsafe on a file that is no ELF object (code
 * a program maps and runs itself): ADDRESS is the file offset, as current
 * bpftrace takes it. True when it was one. */
static bool flat_binary(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	if (!x->ctx->unsafe || !at->has_addr || at->func || !at->target || !strchr(at->target, '/') ||
	    at->ptype != PROBE_UPROBE)
		return false;
	FILE *f = fopen(at->target, "rb");
	unsigned char magic[4] = { 0 };
	size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
	if (f)
		fclose(f);
	if (!f || (got == 4 && !memcmp(magic, "\177ELF", 4)))
		return false;
	struct sema_expansion *e = expand_add(x, probe, ap);
	e->target = at->target;
	e->func = arena_printf(x->ctx->arena, "0x%llx", (unsigned long long)at->addr);
	e->offset = at->addr;
	e->name = arena_printf(x->ctx->arena, "uprobe:%s:%s", at->target, e->func);
	return true;
}

void expand_uprobe(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	const char *what = probetype_name(at->ptype);
	if (at->src_file) {
		source_line(x, probe, ap);
		return;
	}
	if (at->ptype == PROBE_URETPROBE && at->has_offset && at->offset) {
		diag_error(d, ap->span, "%s: a uretprobe takes no offset (it fires on the return)", at->raw);
		x->errors++;
		return;
	}
	if (flat_binary(x, probe, ap))
		return;
	struct rt_bins bins = { 0 };
	if (!objects(x, ap, what, &bins))
		return;
	unsigned before = x->s->nexp, errors = x->errors, skipped = x->skipped;
	for (size_t i = 0; i < bins.n; i++) {
		const char *path = arena_strdup(a, bins.path[i]);
		struct fsyms f = { .a = a, .pat = at->func ? at->func : "*",
				   .cpp = at->lang && !strcmp(at->lang, "cpp") };
		int err = rt_bin_func_syms(path, take_sym, &f);
		if (err && bins.n == 1) {
			diag_error(d, ap->span, "%s: cannot read the symbols of %s: %s", at->raw, path,
				   strerror(-err));
			x->errors++;
		}
		if (f.n) /* qsort(NULL, 0, ...) is undefined (UBSan: null argument 1) */
			qsort(f.v, f.n, sizeof(*f.v), by_name);
		if (f.n > 1 && !x->s->uprobe_multi)
			x->s->uprobe_multi = rt_feat_uprobe_multi();
		if (!at->func) {
			address(x, probe, ap, path, &f);
			continue;
		}
		for (size_t j = 0; j < f.n; j++) {
			if (j && !strcmp(f.v[j].name, f.v[j - 1].name))
				continue;
			uprobe_at(x, probe, ap, path, f.v[j].name, f.v[j].addr, f.v[j].size);
		}
	}
	if (x->s->nexp == before && x->errors == errors && x->skipped == skipped) {
		/* config missing_probes = "warn" or "ignore": the run goes on
		 * without it (a tool's function absent from this library version) */
		expand_missing(x, ap, what, arena_printf(x->ctx->arena, "%s:%s", at->target,
							 at->func ? at->func : ""), NULL);
	}
	rt_bins_free(&bins);
}

/* ---- usdt ---- */

static int site_cmp(const void *a, const void *b)
{
	const struct rt_usdt_site *x = a, *y = b;
	char kx[512], ky[512];
	/* as the strings -l sorts: "tracetest2:p" before "tracetest:p" */
	snprintf(kx, sizeof kx, "%s:%s", x->provider, x->name);
	snprintf(ky, sizeof ky, "%s:%s", y->provider, y->name);
	int c = strcmp(kx, ky);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

void expand_usdt(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	const char *target = at->target && *at->target ? at->target : "*";
	if (!strcmp(target, "*") && !x->ctx->pid) {
		diag_error(d, ap->span, "%s: a usdt probe without a binary needs -p PID "
			   "(usdt:BINARY:PROBE names the binary)", at->raw);
		x->errors++;
		return;
	}
	struct rt_bins bins = { 0 };
	if (rt_bin_resolve(target, x->ctx->pid, "usdt", d, &bins) < 0) {
		x->errors++;
		return;
	}
	const char *ns = at->ns && *at->ns ? at->ns : NULL;
	const char *fn = at->func && *at->func ? at->func : "*";
	unsigned found = 0;
	for (size_t i = 0; i < bins.n; i++) {
		struct rt_usdt_site *sites;
		long n = rt_usdt_sites(bins.path[i], ns, fn, a, &sites);
		if (n < 0 && bins.n == 1 && !rt_has_wild(target)) {
			diag_error(d, ap->span, "cannot read the USDT notes of '%s': %s", bins.path[i],
				   strerror((int)-n));
			x->errors++;
		}
		const char *path = arena_strdup(a, bins.path[i]);
		/* in -l's order (by provider:name), a probe's sites in note order */
		for (long j = 0; j < n; j++)
			sites[j].order = (unsigned)j;
		if (n > 1)
			qsort(sites, (size_t)n, sizeof(*sites), site_cmp);
		for (long j = 0; j < n; j++) {
			struct sema_expansion *e = expand_add(x, probe, ap);
			e->target = path;
			e->func = arena_printf(a, "%s:%s", sites[j].provider, sites[j].name);
			e->name = arena_printf(a, "usdt:%s:%s", path, e->func);
			e->usdt = &sites[j];
			e->extra_site = j && !strcmp(sites[j].provider, sites[j - 1].provider) &&
					!strcmp(sites[j].name, sites[j - 1].name);
			e->offset = sites[j].offset;
			e->ref_ctr = sites[j].sema_offset;
			found++;
		}
	}
	rt_bins_free(&bins);
	if (!found && !x->errors) {
		diag_error(d, ap->span, "No matches for usdt probe %s", at->raw);
		x->errors++;
	}
}


/* ---- watchpoint, asyncwatchpoint ---- */

/* The program a -p process or -c command runs: where FUNC is looked up. */
static const char *watched_binary(struct expander *x, struct ast *ap)
{
	struct arena *a = x->ctx->arena;
	if (x->ctx->pid)
		return arena_printf(a, "/proc/%d/exe", (int)x->ctx->pid);
	const char *cmd = x->ctx->cmd;
	while (*cmd == ' ')
		cmd++;
	size_t n = strcspn(cmd, " \t");
	struct rt_bins bins = { 0 };
	if (rt_bin_resolve(arena_strndup(a, cmd, n), 0, "watchpoint", x->ctx->diag, &bins) < 0 || bins.n != 1) {
		rt_bins_free(&bins);
		x->errors++;
		return NULL;
	}
	const char *path = arena_strdup(a, bins.path[0]);
	rt_bins_free(&bins);
	return path;
}

/* watchpoint:ADDRESS:LENGTH:MODE is one probe. watchpoint:FUNC+argN:... is,
 * for each function FUNC matches in the traced program, the watch (attached
 * at run time, once an address is known) and a uprobe on the function that
 * reports argN. Named as bpftrace 0.17 names them: the address in decimal;
 * the program, the function and N (when not 0). */
void expand_watchpoint(struct expander *x, struct ast *probe, struct ast *ap)
{
	struct probe_point *at = ap->ap;
	struct arena *a = x->ctx->arena;
	struct diag *d = x->ctx->diag;
	const char *what = probetype_name(at->ptype);
	char mode[4];
	size_t nm = 0;
	for (const char *k = "rwx"; *k; k++)
		if (at->mode && strchr(at->mode, *k))
			mode[nm++] = *k;
	mode[nm] = '\0';
	/* Intel SDM vol. 3, 17.2.4: x86 breakpoints watch writes, reads and
	 * writes, or execution, alone */
	if (!strcmp(mode, "r") || !strcmp(mode, "rx") || !strcmp(mode, "wx") || !strcmp(mode, "rwx")) {
		diag_error(d, ap->span, "invalid watchpoint mode: %s (x86 watches w, rw or x)", mode);
		x->errors++;
		return;
	}
	if (at->has_addr) {
		if (!at->addr) {
			diag_error(d, ap->span, "watchpoint must be attached to a non-zero address");
			x->errors++;
			return;
		}
		struct sema_expansion *e = expand_add(x, probe, ap);
		e->name = arena_printf(a, "%s:%llu:%llu:%s", what, (unsigned long long)at->addr,
				       (unsigned long long)at->freq, at->mode);
		return;
	}
	const char *plus = at->func ? strrchr(at->func, '+') : NULL;
	if (!plus || strncmp(plus + 1, "arg", 3) || plus[4] < '0' || plus[4] > '9') {
		diag_error(d, ap->span, "%s: expected %s:FUNCTION+argN:LENGTH:MODE or an address", at->raw, what);
		x->errors++;
		return;
	}
	unsigned argn = (unsigned)atoi(plus + 4);
	if (argn > 5) {
		diag_error(d, ap->span, "x86_64 doesn't support arg%u (arguments past the sixth are on the stack)",
			   argn);
		x->errors++;
		return;
	}
	if (!x->ctx->pid && !x->ctx->cmd) {
		diag_error(d, ap->span, "-p PID or -c CMD required for watchpoint");
		x->errors++;
		return;
	}
	const char *path = watched_binary(x, ap);
	if (!path)
		return;
	struct fsyms f = { .a = a, .pat = arena_strndup(a, at->func, (size_t)(plus - at->func)) };
	int err = rt_bin_func_syms(path, take_sym, &f);
	if (err) {
		diag_error(d, ap->span, "%s: cannot read the symbols of %s: %s", at->raw, path, strerror(-err));
		x->errors++;
		return;
	}
	qsort(f.v, f.n, sizeof(*f.v), by_name);
	unsigned found = 0;
	for (size_t j = 0; j < f.n; j++) {
		if (j && !strcmp(f.v[j].name, f.v[j - 1].name))
			continue;
		uint64_t off;
		if (rt_bin_vaddr_offset(path, f.v[j].addr, &off))
			continue;
		struct sema_expansion *w = expand_add(x, probe, ap);
		const char *n = argn ? arena_printf(a, ":%u", argn) : "";
		w->name = arena_printf(a, "%s:%s:%s%s:%llu:%s", what, path, f.v[j].name, n,
				       (unsigned long long)at->freq, at->mode);
		w->target = path;
		w->func = f.v[j].name;
		w->deferred = true;
		struct sema_expansion *s = expand_add(x, probe, ap);
		s->type = PROBE_UPROBE;
		s->name = arena_printf(a, "uprobe:%s:%s", path, f.v[j].name);
		s->target = path;
		s->func = f.v[j].name;
		s->offset = off;
		s->watch_setup = w->index + 1;
		s->watch_arg = argn;
		found++;
	}
	if (!found) {
		diag_error(d, ap->span, "No matches for %s %s in %s", what, f.pat, path);
		x->errors++;
	}
}
