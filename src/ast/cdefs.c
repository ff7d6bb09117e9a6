/* cdefs: the C-definitions pass, name look-ups across script, headers and BTF, and the well-known kernel constants. */
#include "ast/cdefs.h"

#include <string.h>

#include <bpf/btf.h>

#include "ast/sema.h"
#include "probes/btf.h"

static unsigned hash_name(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct cdefs_entry *cdefs_find(struct cdefs *c, const char *name, enum cdefs_kind kind)
{
	if (!c || !c->nhash)
		return NULL;
	for (struct cdefs_entry *e = c->hash[hash_name(name) & (c->nhash - 1)]; e; e = e->next)
		if (e->kind == kind && !strcmp(e->name, name))
			return e;
	return NULL;
}

/* A fixed table made 100,000 struct definitions quadratic (chains of a
 * hundred): it doubles when it holds two entries per bucket. */
static void grow(struct cdefs *c)
{
	struct cdefs_entry **old = c->hash;
	unsigned nold = c->nhash;
	c->nhash = nold ? nold * 2 : CDEFS_NHASH;
	c->hash = arena_alloc(c->a, c->nhash * sizeof(*c->hash));
	for (unsigned i = 0; i < nold; i++)
		for (struct cdefs_entry *e = old[i], *next; e; e = next) {
			next = e->next;
			unsigned h = hash_name(e->name) & (c->nhash - 1);
			e->next = c->hash[h];
			c->hash[h] = e;
		}
}

struct cdefs_entry *cdefs_add(struct cdefs *c, const char *name, enum cdefs_kind kind)
{
	struct cdefs_entry *e = cdefs_find(c, name, kind);
	if (e)
		return e;
	if (c->n >= 2 * c->nhash)
		grow(c);
	e = arena_alloc(c->a, sizeof(*e));
	e->name = name;
	e->kind = kind;
	unsigned h = hash_name(name) & (c->nhash - 1);
	e->next = c->hash[h];
	c->hash[h] = e;
	c->n++;
	return e;
}

/* Kernel #defines a tracing script compares against, for when no header
 * defines them (this machine has no kernel headers, and BTF keeps enums
 * only). Values from include/linux/sched.h and include/linux/socket.h of
 * Linux 6.x; a header the script includes, or a script #define, wins. */
static const struct { const char *name; int64_t value; } well_known[] = {
	{ "TASK_RUNNING", 0x0000 }, { "TASK_INTERRUPTIBLE", 0x0001 },
	{ "TASK_UNINTERRUPTIBLE", 0x0002 }, { "__TASK_STOPPED", 0x0004 }, { "__TASK_TRACED", 0x0008 },
	{ "EXIT_DEAD", 0x0010 }, { "EXIT_ZOMBIE", 0x0020 }, { "EXIT_TRACE", 0x0030 },
	{ "TASK_PARKED", 0x0040 }, { "TASK_DEAD", 0x0080 }, { "TASK_WAKEKILL", 0x0100 },
	{ "TASK_WAKING", 0x0200 }, { "TASK_NOLOAD", 0x0400 }, { "TASK_NEW", 0x0800 },
	{ "TASK_RTLOCK_WAIT", 0x1000 }, { "TASK_FREEZABLE", 0x2000 }, { "TASK_FROZEN", 0x8000 },
	{ "TASK_KILLABLE", 0x0102 }, { "TASK_STOPPED", 0x0104 }, { "TASK_TRACED", 0x0008 },
	{ "TASK_IDLE", 0x0402 }, { "TASK_NORMAL", 0x0003 },
	{ "AF_UNSPEC", 0 }, { "AF_UNIX", 1 }, { "AF_LOCAL", 1 }, { "AF_INET", 2 }, { "AF_AX25", 3 },
	{ "AF_IPX", 4 }, { "AF_APPLETALK", 5 }, { "AF_BRIDGE", 7 }, { "AF_INET6", 10 },
	{ "AF_KEY", 15 }, { "AF_NETLINK", 16 }, { "AF_PACKET", 17 }, { "AF_CAN", 29 },
	{ "AF_BLUETOOTH", 31 }, { "AF_ALG", 38 }, { "AF_VSOCK", 40 }, { "AF_XDP", 44 },
	{ "PF_UNSPEC", 0 }, { "PF_UNIX", 1 }, { "PF_LOCAL", 1 }, { "PF_INET", 2 }, { "PF_INET6", 10 },
	{ "PF_NETLINK", 16 }, { "PF_PACKET", 17 },
};

/* An enumerator of the kernel's BTF, remembered with its enum type. A
 * linear walk, once per name the script uses. */
static struct cdefs_entry *btf_enum_const(struct cdefs *c, const char *name)
{
	if (!c || rt_btf_load(NULL) < 0)
		return NULL;
	uint32_t n = rt_btf_count();
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = rt_btf_type(id);
		if (btf_kind(t) != BTF_KIND_ENUM && btf_kind(t) != BTF_KIND_ENUM64)
			continue;
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			uint32_t off = btf_kind(t) == BTF_KIND_ENUM ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
			if (strcmp(rt_btf_str(off), name))
				continue;
			struct ty *et = sema_btf_enum_type(c->a, id);
			struct cdefs_entry *e = cdefs_add(c, arena_strdup(c->a, name), CDEFS_CONST);
			e->type = et;
			e->value = et->enums[i].value;
			return e;
		}
	}
	return NULL;
}

/* A name as a value inside C text (#if aside): enum constants, then BTF's,
 * then the well-known ones. */
static bool const_value(void *ud, const char *name, int64_t *v)
{
	struct cdefs *c = ud;
	struct cdefs_entry *e = cdefs_find(c, name, CDEFS_CONST);
	if (!e)
		e = btf_enum_const(c, name);
	if (e) {
		*v = e->value;
		return true;
	}
	for (size_t i = 0; i < sizeof well_known / sizeof *well_known; i++)
		if (!strcmp(well_known[i].name, name)) {
			*v = well_known[i].value;
			return true;
		}
	return false;
}

int cdefs_ident(struct cdefs *c, const char *name, int64_t *v, const char **s, uint32_t *len)
{
	if (c && c->cpp) {
		int r = cpp_macro_value(c->cpp, name, NULL, 0, false, v, s, len);
		if (r < 0)
			return -1;
		if (r > 0)
			return *s ? 2 : 1;
	}
	return const_value(c, name, v) ? 1 : 0;
}

const struct ty *cdefs_const_type(struct cdefs *c, const char *name)
{
	struct cdefs_entry *e = cdefs_find(c, name, CDEFS_CONST);
	return e && e->type && e->type->nenums ? e->type : NULL;
}

const struct ty *cdefs_enum(struct cdefs *c, const char *name)
{
	struct cdefs_entry *e = cdefs_find(c, name, CDEFS_ENUM);
	if (e)
		return e->type;
	if (!c || rt_btf_load(NULL) < 0)
		return NULL;
	int64_t id = rt_btf_find(name, BTF_KIND_ENUM);
	if (id <= 0)
		id = rt_btf_find(name, BTF_KIND_ENUM64);
	if (id <= 0)
		return NULL;
	e = cdefs_add(c, arena_strdup(c->a, name), CDEFS_ENUM);
	e->type = sema_btf_enum_type(c->a, (uint32_t)id);
	e->defined = true;
	return e->type;
}

const struct ty *cdefs_record(struct cdefs *c, const char *name, bool is_union)
{
	struct cdefs_entry *e = cdefs_find(c, name, is_union ? CDEFS_UNION : CDEFS_STRUCT);
	if (e && (e->defined || !sema_btf_record(c->a, name, is_union, NULL)))
		return e->type;
	return c ? sema_btf_record(c->a, name, is_union, NULL) : NULL;
}

const struct ty *cdefs_typedef(struct cdefs *c, const char *name)
{
	struct cdefs_entry *e = cdefs_find(c, name, CDEFS_TYPEDEF);
	if (e)
		return e->type;
	if (!c || rt_btf_load(NULL) < 0)
		return NULL;
	int64_t id = rt_btf_find(name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return NULL;
	const struct ty *t = sema_btf_type(c->a, (uint32_t)id);
	return t->kind == TY_VOID ? NULL : t;
}

/* The directory "..." includes of the script start from. */
static const char *script_dir(struct pass_ctx *ctx)
{
	const char *path = ctx->script_path;
	if (!path || !strcmp(path, "-"))
		return ".";
	const char *s = strrchr(path, '/');
	return s ? arena_strndup(ctx->arena, path, s == path ? 1 : (size_t)(s - path)) : ".";
}

unsigned cdefs_pass(struct pass_ctx *ctx)
{
	struct cdefs *c = arena_alloc(ctx->arena, sizeof(*c));
	c->a = ctx->arena;
	c->d = ctx->diag;
	ctx->cdefs = c;
	bool any = ctx->nincludes > 0;
	for (struct ast *it = ctx->prog->program.items; it && !any; it = it->next)
		any = it->kind == AST_C_DEF;
	if (!any)
		return 0;   /* no C text: no headers read, nothing to parse */
	c->cpp = cpp_new(c->a, c->d, ctx->include_dirs, ctx->ninclude_dirs, script_dir(ctx));
	cpp_set_ident(c->cpp, const_value, c);
	/* bpftrace defines this when the kernel has BTF; its tools include
	 * kernel headers only when it is not. */
	if (rt_btf_load(NULL) == 0)
		cpp_predefine(c->cpp, "BPFTRACE_HAVE_BTF", "1");
	unsigned errors = 0;
	for (unsigned i = 0; i < ctx->nincludes; i++)
		errors += cpp_force_include(c->cpp, ctx->includes[i]);
	for (struct ast *it = ctx->prog->program.items; it; it = it->next)
		if (it->kind == AST_C_DEF && it->cdef.text)
			errors += cpp_script(c->cpp, it->cdef.text, strlen(it->cdef.text), it->span);
	errors += cpp_finish(c->cpp);
	if (errors)
		return errors;
	return cdecl_parse(c, cpp_output(c->cpp));
}
