/* probe_kernel: kprobe/kretprobe and fentry/fexit, the kernel's functions and their BTF signatures. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/btf.h"
#include "probes/fs.h"
#include "probes/point.h"
#include "probes/provider.h"
#include "probes/tracefs.h"

enum ksrc { KSRC_NONE, KSRC_AFF, KSRC_KALLSYMS, KSRC_BTF };

static const char *const ksrc_name[] = {
	[KSRC_NONE] = "nowhere", [KSRC_AFF] = "available_filter_functions",
	[KSRC_KALLSYMS] = "/proc/kallsyms", [KSRC_BTF] = "vmlinux BTF",
};

struct kfunc {
	const char *name, *mod;  /* mod "vmlinux" for the kernel itself */
};

/* The function list, read once per process from the first source that works. */
static struct {
	bool loaded;
	enum ksrc src;
	int aff_err;             /* errno reading available_filter_functions */
	char *text;
	struct kfunc *f;
	size_t n, cap;
} K;

static void add(const char *name, const char *mod)
{
	if (K.n == K.cap) {
		K.cap = K.cap ? K.cap * 2 : 65536;
		K.f = realloc(K.f, K.cap * sizeof(*K.f));
		if (!K.f)
			abort();
	}
	K.f[K.n++] = (struct kfunc){ name, mod ? mod : "vmlinux" };
}

/* bpftrace's list (from the kernel's kprobe_multi selftest) of functions that
 * hang the machine when traced, plus the symbols that are no function entry:
 * .part.N and .cold fragments, and the __pfx_/__cfi_ padding before each
 * function (kernel 6.2 call depth tracking, kCFI). */
static bool is_bad(const char *f)
{
	static const char *const exact[] = { "arch_cpu_idle", "default_idle",
					     "bpf_dispatcher_xdp_func", NULL };
	static const char *const prefix[] = { "__ftrace_invalid_address__", "rcu_",
					      "__pfx_", "__cfi_", NULL };
	for (const char *const *e = exact; *e; e++)
		if (!strcmp(f, *e))
			return true;
	for (const char *const *p = prefix; *p; p++)
		if (!strncmp(f, *p, strlen(*p)))
			return true;
	/* kallsyms also names assembler labels such as ".slowpath". */
	return *f == '.' || strstr(f, ".part.") || strstr(f, ".cold");
}

/* "name" or "name [module]" per line. */
static void parse_aff(char *s)
{
	for (char *line = s, *next; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = '\0', next + 1) : line + strlen(line);
		char *mod = strchr(line, ' ');
		if (mod) {
			*mod++ = '\0';
			char *end = strchr(mod, ']');
			if (*mod == '[' && end) {
				*end = '\0';
				mod++;
			} else {
				mod = NULL;
			}
		}
		if (*line && !is_bad(line))
			add(line, mod);
	}
}

/* "ADDR TYPE name" or "ADDR TYPE name\t[module]"; text symbols only. */
static void parse_kallsyms(char *s)
{
	for (char *line = s, *next; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = '\0', next + 1) : line + strlen(line);
		char *type = strchr(line, ' ');
		if (!type || (type[1] != 't' && type[1] != 'T') || type[2] != ' ')
			continue;
		char *name = type + 3, *mod = strchr(name, '\t');
		if (mod) {
			*mod++ = '\0';
			char *end = strchr(mod, ']');
			if (*mod == '[' && end) {
				*end = '\0';
				mod++;
			} else {
				mod = NULL;
			}
		}
		if (!is_bad(name))
			add(name, mod);
	}
}

static void load_btf_funcs(void)
{
	for (uint32_t id = 1; id < rt_btf_count(); id++) {
		const struct btf_type *t = rt_btf_type(id);
		if (BTF_INFO_KIND(t->info) == BTF_KIND_FUNC && !is_bad(rt_btf_str(t->name_off)))
			add(rt_btf_str(t->name_off), NULL);
	}
}

static char *read_aff(void)
{
	int root = rt_tracefs_root(NULL);
	if (root < 0) {
		K.aff_err = -root;
		return NULL;
	}
	char *s = rt_fs_read(root, "available_filter_functions", NULL);
	if (!s)
		K.aff_err = errno;
	return s;
}

/* available_filter_functions is what ftrace can hook (the exact set for
 * kprobes and trampolines); when it is locked down (EPERM even for root
 * under some lockdown setups) fall back to kallsyms, then to BTF. */
static void load_funcs(void)
{
	if (K.loaded)
		return;
	K.loaded = true;
	if ((K.text = read_aff())) {
		K.src = KSRC_AFF;
		parse_aff(K.text);
	} else if ((K.text = rt_fs_read(AT_FDCWD, "/proc/kallsyms", NULL))) {
		K.src = KSRC_KALLSYMS;
		parse_kallsyms(K.text);
	} else if (!rt_btf_load(NULL)) {
		K.src = KSRC_BTF;
		load_btf_funcs();
	}
}

static void note_source(const struct rt_match *m, const char *prov)
{
	if (!m->verbose)
		return;
	if (K.src == KSRC_AFF)
		diag_plain(m->d, DIAG_NOTE, "%s: functions from %s/%s", prov, rt_tracefs_path(),
			   ksrc_name[K.src]);
	else
		diag_plain(m->d, DIAG_NOTE, "%s: functions from %s (available_filter_functions: %s)",
			   prov, ksrc_name[K.src], strerror(K.aff_err));
}

static bool have_kprobes(void)
{
	int root = rt_tracefs_root(NULL);
	return !access("/sys/bus/event_source/devices/kprobe", F_OK) ||
	       (root >= 0 && !faccessat(root, "kprobe_events", F_OK, 0));
}

static bool kprobe_available(const char **why)
{
	*why = "this kernel has no kprobes (no kprobe PMU, no kprobe_events)";
	return have_kprobes();
}

static bool list_kprobes(const struct rt_match *m, struct rt_out *out, const char *prov)
{
	load_funcs();
	note_source(m, prov);
	if (m->verbose && !have_kprobes())
		diag_plain(m->d, DIAG_NOTE, "%s: this kernel has no kprobes: "
			   "the functions listed cannot be attached", prov);
	if (K.src == KSRC_NONE) {
		diag_plain(m->d, DIAG_ERROR, "cannot list kernel functions: "
			   "available_filter_functions, /proc/kallsyms and vmlinux BTF are unreadable");
		return false;
	}
	/* kprobe:FUNC lists bare names, kprobe:MODULE:FUNC module:name (bpftrace). */
	bool with_mod = m->nparts == 2;
	const char *mod = rt_match_part(m, 0, 2), *fn = rt_match_part(m, 1, 2);
	for (size_t i = 0; i < K.n; i++) {
		const struct kfunc *k = &K.f[i];
		if (!rt_glob(fn, k->name, strlen(k->name)) || !rt_glob(mod, k->mod, strlen(k->mod)))
			continue;
		if (with_mod)
			rt_out_addf(out, NULL, "%s:%s", k->mod, k->name);
		else
			rt_out_add(out, k->name, strlen(k->name), NULL);
	}
	return true;
}

static int list_kprobe(const struct rt_match *m, struct rt_out *out)
{
	return list_kprobes(m, out, "kprobe") ? 0 : -ENOENT;
}

static int list_kretprobe(const struct rt_match *m, struct rt_out *out)
{
	return list_kprobes(m, out, "kretprobe") ? 0 : -ENOENT;
}

static const struct btf_type *func_proto(const char *entry)
{
	const char *name = strrchr(entry, ':');
	int64_t id = rt_btf_find(name ? name + 1 : entry, BTF_KIND_FUNC);
	const struct btf_type *fn = id > 0 ? rt_btf_type((uint32_t)id) : NULL;
	return fn ? rt_btf_type(fn->type) : NULL;
}

/* -lv kprobe: the BTF signature as argN (floats travel in other registers
 * and take no argN), bpftrace 0.24's format. */
static void describe_kprobe(const struct rt_match *m, const char *entry, void *cookie, FILE *f)
{
	if (rt_btf_load(NULL))
		return;
	const struct btf_type *proto = func_proto(entry);
	if (!proto)
		return;
	const struct btf_param *p = (const void *)(proto + 1);
	char decl[512];
	for (unsigned i = 0, argn = 0; i < BTF_INFO_VLEN(proto->info); i++) {
		const struct btf_type *pt = rt_btf_type(p[i].type);
		if (!p[i].type || (pt && BTF_INFO_KIND(pt->info) == BTF_KIND_FLOAT))
			continue;
		fprintf(f, "    %s arg%u\n", rt_btf_decl(p[i].type, decl, sizeof(decl)), argn++);
	}
}

static void describe_kretprobe(const struct rt_match *m, const char *entry, void *cookie, FILE *f)
{
	if (rt_btf_load(NULL))
		return;
	const struct btf_type *proto = func_proto(entry);
	char decl[512];
	if (!proto)
		return;
	if (!proto->type)
		fputs("    void\n", f);
	else
		fprintf(f, "    %s retval\n", rt_btf_decl(proto->type, decl, sizeof(decl)));
}

/* fentry attaches through an ftrace trampoline, so it needs what
 * available_filter_functions shows; bpftrace lists nothing without it. */
static bool fentry_available(const char **why)
{
	/* Only the first source: the fallbacks cost (kallsyms: ~50 ms of kernel time). */
	if (!K.loaded && !K.aff_err) {
		char *s = read_aff();
		if (s) {
			K.loaded = true;
			K.src = KSRC_AFF;
			K.text = s;
			parse_aff(s);
		}
	}
	*why = "available_filter_functions is unreadable, so ftrace trampolines "
	       "(and fentry) are unavailable";
	return K.src == KSRC_AFF;
}

/* Names traceable per available_filter_functions, for the BTF walk. */
static struct {
	const char **slot;
	size_t mask;
} H;

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void build_aff_set(void)
{
	if (H.slot)
		return;
	size_t cap = 1;
	while (cap < K.n * 2 + 2)
		cap <<= 1;
	H.slot = calloc(cap, sizeof(*H.slot));
	if (!H.slot)
		abort();
	H.mask = cap - 1;
	for (size_t i = 0; i < K.n; i++) {
		size_t j = hash_str(K.f[i].name) & H.mask;
		while (H.slot[j] && strcmp(H.slot[j], K.f[i].name))
			j = (j + 1) & H.mask;
		H.slot[j] = K.f[i].name;
	}
}

static bool traceable(const char *name)
{
	for (size_t j = hash_str(name) & H.mask; H.slot[j]; j = (j + 1) & H.mask)
		if (!strcmp(H.slot[j], name))
			return true;
	return false;
}

/* Trampolines pass at most MAX_BPF_FUNC_ARGS (12) arguments. */
#define MAX_ARGS 12

static int list_fentries(const struct rt_match *m, struct rt_out *out, const char *prov)
{
	int err = rt_btf_load(m->d);
	if (err)
		return err;
	load_funcs();
	if (m->verbose) {
		if (K.src == KSRC_AFF)
			diag_plain(m->d, DIAG_NOTE, "%s: vmlinux BTF functions that %s/%s lists",
				   prov, rt_tracefs_path(), ksrc_name[KSRC_AFF]);
		else
			diag_plain(m->d, DIAG_NOTE, "%s: every vmlinux BTF function "
				   "(available_filter_functions: %s; attaching will likely fail)",
				   prov, strerror(K.aff_err));
	}
	if (K.src == KSRC_AFF)
		build_aff_set();
	const char *mod = rt_match_part(m, 0, 2), *fn = rt_match_part(m, 1, 2);
	if (!rt_glob(mod, "vmlinux", 7))  /* module BTF is not read yet */
		return 0;
	for (uint32_t id = 1; id < rt_btf_count(); id++) {
		const struct btf_type *t = rt_btf_type(id);
		if (BTF_INFO_KIND(t->info) != BTF_KIND_FUNC)
			continue;
		const char *n = rt_btf_str(t->name_off);
		const struct btf_type *proto = rt_btf_type(t->type);
		if (!proto || BTF_INFO_VLEN(proto->info) > MAX_ARGS || is_bad(n) ||
		    !rt_glob(fn, n, strlen(n)) || (K.src == KSRC_AFF && !traceable(n)))
			continue;
		rt_out_addf(out, (void *)(uintptr_t)id, "vmlinux:%s", n);
	}
	return 0;
}

static int list_fentry(const struct rt_match *m, struct rt_out *out)
{
	return list_fentries(m, out, "fentry");
}

static int list_fexit(const struct rt_match *m, struct rt_out *out)
{
	return list_fentries(m, out, "fexit");
}

/* -lv fentry: "    TYPE NAME" per parameter; fexit adds "    TYPE retval". */
static void describe_fentries(void *cookie, FILE *f, bool ret)
{
	const struct btf_type *proto = rt_btf_print_params((uint32_t)(uintptr_t)cookie, 0, f);
	char decl[512];
	if (ret && proto && proto->type)
		fprintf(f, "    %s retval\n", rt_btf_decl(proto->type, decl, sizeof(decl)));
}

static void describe_fentry(const struct rt_match *m, const char *entry, void *cookie, FILE *f)
{
	describe_fentries(cookie, f, false);
}

static void describe_fexit(const struct rt_match *m, const char *entry, void *cookie, FILE *f)
{
	describe_fentries(cookie, f, true);
}

/* ---- the attach points ---- */

static void parse_kprobe(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 2, 3, "kprobe:FUNCTION, kprobe:MODULE:FUNCTION or kprobe:FUNCTION+OFFSET"))
		return;
	if (n == 3)
		pt->target = parts[1];
	pt_func_or_addr(c, pt, parts[n - 1], pt->ptype == PROBE_KPROBE);
}

static void parse_fentry(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 2, 4, "fentry:FUNCTION or fentry:MODULE:FUNCTION"))
		return;
	if (n == 2) {
		pt->func = parts[1];
	} else if (n == 3) {
		pt->target = parts[1];
		pt->func = parts[2];
	} else {
		/* fentry:bpf:PROG_ID:PROG_NAME */
		pt->target = parts[1];
		pt->ns = parts[2];
		pt->func = parts[3];
		if (strcmp(parts[1], "bpf"))
			pt_err(c, "invalid %s attach point, only fentry:bpf:ID:NAME has four parts",
			       pt->provider);
	}
}

/* [MODULE:]FUNCTION; an address or a bare offset names one place: nothing to match. */
static unsigned parts_kernel(const struct probe_point *pt, const char **parts)
{
	unsigned n = 0;
	if (pt->has_addr || !pt->func)
		return 0;
	if (pt->target)
		parts[n++] = pt->target;
	parts[n++] = pt->func;
	return n;
}

const struct rt_provider rt_prov_kprobe = {
	.type = PROBE_KPROBE, .name = "kprobe", .form = "kprobe[:MODULE]:FUNCTION",
	.max_parts = 2, .flags = RT_PROV_WILD | RT_PROV_PID_FILTER, .available = kprobe_available,
	.wildcards = true, .parse = parse_kprobe, .parts = parts_kernel,
	.list = list_kprobe, .describe = describe_kprobe,
	.expand = RT_EXPAND_FUNCTION, .args = RT_ARGS_REGS,
	.section = "kprobe", .attach = RT_ATTACH_KPROBE,
};

/* Return probes are left out of wildcard listings, as in bpftrace: each
 * would repeat its entry probe's list. */
const struct rt_provider rt_prov_kretprobe = {
	.type = PROBE_KRETPROBE, .name = "kretprobe", .form = "kretprobe[:MODULE]:FUNCTION",
	.max_parts = 2, .flags = RT_PROV_PID_FILTER, .available = kprobe_available,
	.wildcards = true, .parse = parse_kprobe, .parts = parts_kernel,
	.list = list_kretprobe, .describe = describe_kretprobe,
	.expand = RT_EXPAND_FUNCTION, .args = RT_ARGS_REGS,
	.section = "kretprobe", .attach = RT_ATTACH_KPROBE,
};

const struct rt_provider rt_prov_fentry = {
	.type = PROBE_FENTRY, .name = "fentry", .form = "fentry[:MODULE]:FUNCTION",
	.max_parts = 2, .flags = RT_PROV_WILD | RT_PROV_PID_FILTER, .available = fentry_available,
	.wildcards = true, .parse = parse_fentry, .parts = parts_kernel,
	.list = list_fentry, .describe = describe_fentry,
	.expand = RT_EXPAND_CATALOGUE, .args = RT_ARGS_FENTRY,
	.section = "fentry", .section_form = RT_SEC_FUNC, .attach = RT_ATTACH_FENTRY,
};

const struct rt_provider rt_prov_fexit = {
	.type = PROBE_FEXIT, .name = "fexit", .form = "fexit[:MODULE]:FUNCTION",
	.max_parts = 2, .flags = RT_PROV_PID_FILTER, .available = fentry_available,
	.wildcards = true, .parse = parse_fentry, .parts = parts_kernel,
	.list = list_fexit, .describe = describe_fexit,
	.expand = RT_EXPAND_CATALOGUE, .args = RT_ARGS_FEXIT,
	.section = "fexit", .section_form = RT_SEC_FUNC, .attach = RT_ATTACH_FENTRY,
};
