/* sema_value: checkers of the functions that convert or reinterpret a value
 * (bswap, buf, ntop, pton) and of the small kernel builtins (numaid's
 * neighbours: probetype, nsecs(mode), signal). Rows of builtin.def. */
#include <arpa/inet.h>
#include <ctype.h>
#include <signal.h>
#include <string.h>

#include "ast/sema_impl.h"
#include "probes/binary.h"
#include "probes/fs.h"

/* What sema_arg_const accepts: an integer literal, negated or not, or a
 * positional parameter. */
static bool sema_is_const_int(const struct ast *a)
{
	return a->kind == AST_INT || a->kind == AST_POSITIONAL ||
	       (a->kind == AST_UNARY && a->unary.op == AST_OP_NEG && a->unary.e->kind == AST_INT);
}

/* bswap(x): the bytes of x reversed, at x's width (an int8 is itself). */
const struct ty *sema_check_bswap(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)nargs, (void)map;
	const struct ty *t = sema_int_arg(c, n, args[0]);
	if (!t)
		return ty_none();
	return ty_int(t->kind == TY_BOOL ? 1 : t->size, false);
}

/* ksym(addr), usym(addr): the address travels (usym's with the pid whose
 * mappings it belongs to); the runtime names it when it prints. */
const struct ty *sema_check_sym(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				struct ast *map)
{
	(void)nargs, (void)map;
	const struct ty *t = sema_expr(c, args[0]);
	if (sema_poisoned(t))
		return ty_none();
	if (!ty_is_int(t) && t->kind != TY_PTR) {
		sema_err(c, n->span, "%s() expects an integer or a pointer (%s provided)", n->call.name,
			 sema_kname(c, t));
		return ty_none();
	}
	return ty_new(c->a, strcmp(n->call.name, "usym") ? TY_KSYM : TY_USYM);
}

/* kaddr("sym"): the kernel symbol's address from /proc/kallsyms, found
 * once here; the string argument becomes that integer (its text the name,
 * which -d types shows), so codegen emits a constant and a second check
 * of the same tree takes it as it is. */
const struct ty *sema_check_kaddr(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)nargs, (void)map;
	sema_literal_arg(c, args[0]);
	struct ast *a = args[0];
	if (a->kind == AST_INT && a->num.text && !isdigit((unsigned char)a->num.text[0]))
		return ty_int(8, false);
	if (a->kind != AST_STRING) {
		sema_err(c, n->span, "kaddr() expects a string literal");
		return ty_none();
	}
	uint64_t addr = 0;
	if (rt_fs_kallsyms_addr(a->str.s, &addr) || !addr) {
		sema_err(c, n->span, "Failed to resolve kernel symbol: %s", a->str.s);
		return ty_none();
	}
	const char *name = a->str.s;
	a->kind = AST_INT;
	a->num.value = addr;
	a->num.form = AST_INT_HEX;
	a->num.text = name;
	sema_expr(c, a);
	return ty_int(8, false);
}

/* uaddr("sym"): the address of a symbol of the probe's binary (uprobe,
 * uretprobe, usdt), a pointer to an unsigned integer of the symbol's size
 * (1, 2 or 4 bytes; 8 otherwise), read from user memory. Like kaddr, the
 * argument becomes the address. A position-independent binary's symbols
 * move with its load address, which is known only in the process. */
const struct ty *sema_check_uaddr(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)nargs, (void)map;
	sema_literal_arg(c, args[0]);
	struct ast *a = args[0];
	if (c->ptype != PROBE_UPROBE && c->ptype != PROBE_URETPROBE && c->ptype != PROBE_USDT) {
		sema_err(c, n->span, "uaddr can not be used with \"%s\" probes", probetype_name(c->ptype));
		return ty_none();
	}
	uint64_t size = 8;
	if (a->kind == AST_INT && a->num.text && !isdigit((unsigned char)a->num.text[0])) {
		/* checked in an earlier round: the pointee's size is in its type */
		size = n->type && ((const struct ty *)n->type)->kind == TY_PTR ?
		       ty_size(((const struct ty *)n->type)->elem) : 8;
	} else if (a->kind != AST_STRING) {
		sema_err(c, n->span, "uaddr() expects a string literal");
		return ty_none();
	} else {
		const char *name = a->str.s;
		uint64_t addr = 0, first = 0;
		for (unsigned i = c->exp_lo; i < c->exp_hi; i++) {
			const char *target = c->s->exp[i].target;
			bool pie = false;
			if (!target || rt_bin_find_sym(target, name, &addr, &size, &pie) || !addr) {
				sema_err(c, n->span, "Could not resolve symbol: %s:%s", target ? target : "", name);
				return ty_none();
			}
			if (pie) {
				/* the load bias comes from where the probe fires: an entry
				 * or a usdt site, not a return address */
				struct sema_expansion *e = &c->s->exp[i];
				if (c->ptype == PROBE_URETPROBE ||
				    rt_bin_offset_vaddr(target, e->offset, &e->pie_vaddr) || !e->pie_vaddr) {
					sema_err(c, n->span, "uaddr(): %s is position-independent: its symbols' addresses "
						 "are known in a uprobe or usdt probe on it, not here", target);
					return ty_none();
				}
			}
			if (i > c->exp_lo && addr != first) {
				sema_err(c, n->span, "uaddr(): \"%s\" is at different addresses in the probe's binaries", name);
				return ty_none();
			}
			first = addr;
		}
		a->kind = AST_INT;
		a->num.value = addr;
		a->num.form = AST_INT_HEX;
		a->num.text = name;
		sema_expr(c, a);
	}
	unsigned bytes = size == 1 || size == 2 || size == 4 ? (unsigned)size : 8;
	return ty_ptr(c->a, ty_int(bytes, false), TY_AS_USER);
}

/* buf(data [, length]): bytes printed as hex escapes (%r, %rx, %rh), kept
 * with their length: u32 length, then the bytes. An array or string gives
 * its own length; a pointer or address needs one, a constant. */
const struct ty *sema_check_buf(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				struct ast *map)
{
	(void)map;
	const struct ty *t = sema_expr(c, args[0]);
	if (sema_poisoned(t))
		return ty_none();
	int64_t len = -1;
	bool runtime_len = nargs == 2 && !sema_is_const_int(args[1]);
	if (runtime_len) {
		/* a length known only at run time: up to max_strlen bytes, as bpftrace */
		if (!sema_int_arg(c, n, args[1]))
			return ty_none();
		if (t->kind != TY_PTR && !ty_is_int(t)) {
			sema_err(c, n->span, "buf() takes a length known at run time only with a pointer or an address");
			return ty_none();
		}
		len = c->s->max_strlen;
	} else if (nargs == 2) {
		if (!sema_arg_const(c, n, args[1], "the length", &len))
			return ty_none();
		if (len < 0) {
			sema_err(c, n->span, "buf() length must be non-negative (%lld provided)", (long long)len);
			return ty_none();
		}
	}
	uint32_t have;
	if (t->kind == TY_ARRAY || t->kind == TY_STRING) {
		/* a longer length than the value pads with zeros, as bpftrace does */
		have = ty_size(t);
		if (len < 0)
			len = have;
	} else if (t->kind == TY_PTR || ty_is_int(t)) {
		if (len < 0) {
			sema_err(c, n->span, "buf() needs a length when its argument is a pointer or an address");
			return ty_none();
		}
	} else {
		sema_err(c, n->span, "buf() expects an array, a string or a pointer (%s provided)", sema_tname(c, t));
		return ty_none();
	}
	if (!runtime_len && (uint64_t)len > c->s->max_strlen) {
		sema_warn(c, n->span, "length param (%lld) is too long and will be shortened to %u bytes "
			  "(see BPFTRACE_MAX_STRLEN)", (long long)len, c->s->max_strlen);
		len = c->s->max_strlen;
	}
	struct ty *b = ty_new(c->a, TY_BUFFER);
	b->size = 4 + (uint32_t)len;
	return b;
}

/* ntop([family,] address): an IPv4 address as an integer (its bytes in
 * memory order) or 4 bytes, an IPv6 one as 16 bytes. */
const struct ty *sema_check_ntop(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)map;
	if (nargs == 2 && !sema_int_arg(c, n, args[0]))
		return ty_none();
	struct ast *a = args[nargs - 1];
	const struct ty *t = sema_expr(c, a);
	if (sema_poisoned(t))
		return ty_none();
	/* BTF's unsigned char arrays (in6_u.u6_addr8) come as strings: bytes all the same */
	bool bytes = t->kind == TY_ARRAY || t->kind == TY_STRING;
	bool ok = ty_is_int(t) || (bytes && (ty_size(t) == 4 || ty_size(t) == 16));
	if (!ok) {
		sema_err(c, n->span, "ntop() expects an integer or an array of 4 or 16 bytes (%s provided)",
			 sema_tname(c, t));
		return ty_none();
	}
	return ty_new(c->a, TY_INET);
}

/* pton("addr"): the address's bytes, uint8[4] or uint8[16], known at
 * compile time (the argument must be a literal). */
const struct ty *sema_check_pton(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)nargs, (void)map;
	sema_literal_arg(c, args[0]);
	if (args[0]->kind != AST_STRING) {
		sema_err(c, n->span, "pton() expects a string literal");
		return ty_none();
	}
	sema_expr(c, args[0]);
	unsigned char bytes[16];
	const char *s = args[0]->str.s;
	if (inet_pton(AF_INET, s, bytes) == 1)
		return ty_array(c->a, ty_int(1, false), 4);
	if (inet_pton(AF_INET6, s, bytes) == 1)
		return ty_array(c->a, ty_int(1, false), 16);
	sema_err(c, n->span, "pton() expects a valid IPv4 or IPv6 address, got '%s'", s);
	return ty_none();
}

/* config(): current bpftrace's record of the run's settings, each as the
 * config block, the environment or the default leaves it (max_strlen an
 * integer, cpp_demangle a bool, stack_mode its name); constant here. */
const struct ty *sema_check_config(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				   struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	struct cfg defaults;
	const struct cfg *cfg = c->ctx->cfg;
	if (!cfg) {
		cfg_init(&defaults);
		cfg = &defaults;
	}
	const struct ty *el[CFG__COUNT];
	const char *names[CFG__COUNT];
	unsigned n_el = 0;
	for (int k = 0; k < CFG__COUNT; k++) {
		enum cfg_val kind = cfg_val_kind((enum cfg_key)k);
		if (kind == CFG_VAL_NONE)
			continue;
		const char *s = cfg_str(cfg, (enum cfg_key)k);
		el[n_el] = kind == CFG_VAL_INT ? ty_int(8, false) : kind == CFG_VAL_BOOL ? ty_bool()
			   : ty_string(c->a, (uint32_t)(s ? strlen(s) : 0) + 1);
		names[n_el++] = cfg_name((enum cfg_key)k);
	}
	const struct ty *tu = ty_tuple(c->a, el, n_el);
	struct ty *r = ty_new(c->a, TY_RECORD);
	*r = *tu;
	r->kind = TY_RECORD;
	r->name = NULL;
	r->fields = arena_alloc(c->a, n_el * sizeof(*r->fields));
	for (unsigned i = 0; i < n_el; i++) {
		r->fields[i] = tu->fields[i];
		r->fields[i].name = names[i];
	}
	return r;
}

/* probetype: the provider's class ("special" for begin and end). */
const struct ty *sema_check_probetype(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				      struct ast *map)
{
	(void)n, (void)args, (void)nargs, (void)map;
	return ty_string(c->a, (uint32_t)strlen(probetype_class(c->ptype)) + 1);
}

/* pid, tid, and current bpftrace's pid(curr_ns) (the default: numbered in
 * hawk's own pid namespace) and pid(init) (the root namespace's numbers). */
const struct ty *sema_check_pidns(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)map, (void)n;
	if (nargs) {
		struct ast *a = args[0];
		const char *m = a->kind == AST_IDENT ? a->ident.name : "";
		if (strcmp(m, "curr_ns") && strcmp(m, "init")) {
			sema_err(c, a->span, "%s: unknown pid namespace '%s' (expected curr_ns or init)",
				 bi_info(n->call.bi)->name, m);
			return ty_none();
		}
		a->type = (void *)ty_void();
	}
	return ty_int(4, false);
}

/* nsecs, nsecs(boot|monotonic|tai|sw_tai): current bpftrace's clock argument. */
const struct ty *sema_check_nsecs(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				  struct ast *map)
{
	(void)map;
	if (nargs) {
		struct ast *a = args[0];
		const char *m = a->kind == AST_IDENT ? a->ident.name : "";
		if (strcmp(m, "boot") && strcmp(m, "monotonic") && strcmp(m, "tai") && strcmp(m, "sw_tai")) {
			sema_err(c, a->span, "nsecs: unknown clock '%s' (expected boot, monotonic, tai or sw_tai)",
				 a->kind == AST_IDENT ? m : "");
			return ty_none();
		}
		a->type = (void *)ty_void();
	}
	(void)n;
	return ty_int(8, false);
}

/* A signal given by number or by name ("SIGKILL", "KILL"). Returns 0 when
 * the name is unknown. */
int sema_signal_number(const char *name)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT },
		{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
		{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
		{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
		{ "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
	};
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (!strcmp(sigs[i].name, name))
			return sigs[i].sig;
	return 0;
}

/* write_user(dst, src, len): bpf_probe_write_user, only with --unsafe. dst
 * is a user address; src a value the program holds (its bytes) or an
 * integer (its 8 bytes); len at most src's size. */
const struct ty *sema_check_write_user(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				       struct ast *map)
{
	(void)nargs, (void)map;
	if (!c->ctx->unsafe) {
		/* current bpftrace's wording */
		sema_err(c, n->span, "write_user() is unsafe. To use you need the --unsafe flag");
		return ty_none();
	}
	const struct ty *dst = sema_expr(c, args[0]), *src = sema_expr(c, args[1]);
	if (sema_poisoned(dst) || sema_poisoned(src) || !sema_int_arg(c, n, args[2]))
		return ty_none();
	if (!ty_is_int(dst) && dst->kind != TY_PTR) {
		sema_err(c, n->span, "write_user() expects a pointer or an address as its destination (%s provided)",
			 sema_kname(c, dst));
		return ty_none();
	}
	uint32_t room = ty_is_int(src) || src->kind == TY_PTR ? 8 : ty_size(src);
	if (src->kind == TY_VOID || src->kind == TY_AGG || src->kind == TY_MAP || !room) {
		sema_err(c, n->span, "write_user() cannot write a value of type %s", sema_tname(c, src));
		return ty_none();
	}
	if (args[2]->kind == AST_INT && (args[2]->num.value == 0 || args[2]->num.value > room)) {
		sema_err(c, n->span, "write_user() length %llu must be 1 to %u, the size of its source",
			 (unsigned long long)args[2]->num.value, room);
		return ty_none();
	}
	return ty_bool();
}

/* signal(sig): sends sig to the current task; only with --unsafe. */
const struct ty *sema_check_signal(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				   struct ast *map)
{
	(void)nargs, (void)map;
	if (!c->ctx->unsafe) {
		sema_err(c, n->span, "signal() is an unsafe function being used in safe mode");
		return ty_none();
	}
	struct ast *a = args[0];
	if (a->kind == AST_STRING) {
		sema_expr(c, a);
		if (!sema_signal_number(a->str.s)) {
			sema_err(c, a->span, "%s is not a valid signal", a->str.s);
			return ty_none();
		}
		return ty_void();
	}
	int64_t sig;
	if (a->kind == AST_INT || a->kind == AST_POSITIONAL) {
		if (!sema_arg_const(c, n, a, "the signal", &sig))
			return ty_none();
		if (sig < 1 || sig > 64) {
			sema_err(c, a->span, "%lld is not a valid signal, allowed range: [1,64]", (long long)sig);
			return ty_none();
		}
		return ty_void();
	}
	if (!sema_int_arg(c, n, a))
		return ty_none();
	return ty_void();
}

/* macaddr(x): 6 bytes (an array, a char array, or read through a pointer
 * or address) printed as a MAC address. */
const struct ty *sema_check_macaddr(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				    struct ast *map)
{
	(void)nargs, (void)map;
	struct ast *a = args[0];
	const struct ty *t = sema_expr(c, a);
	if (sema_poisoned(t))
		return ty_none();
	bool bytes = t->kind == TY_ARRAY || t->kind == TY_STRING;
	if (!bytes && !ty_is_int(t) && t->kind != TY_PTR) {
		sema_err(c, n->span, "macaddr() only supports array or pointer arguments (%s provided)",
			 sema_tname(c, t));
		return ty_none();
	}
	if (a->kind == AST_STRING) {
		sema_err(c, n->span, "macaddr() does not support literal string arguments");
		return ty_none();
	}
	if (bytes && ty_size(t) != 6) {
		sema_err(c, n->span, "macaddr() argument must be 6 bytes in size");
		return ty_none();
	}
	return ty_new(c->a, TY_MACADDR);
}

/* strerror(errno): the integer, printed as the C library's message. */
const struct ty *sema_check_strerror(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				     struct ast *map)
{
	(void)nargs, (void)map;
	if (!sema_int_arg(c, n, args[0]))
		return ty_none();
	return ty_new(c->a, TY_ERRNO);
}

/* container_of(p, typeof(T), member): the T that holds *p as its member,
 * a T* (current bpftrace's stdlib). The call becomes
 * (T *)((uint64)p - offsetof(T, member)), checked as written so. */
const struct ty *sema_check_container_of(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
					 struct ast *map)
{
	(void)nargs, (void)map;
	struct ast *p = args[0], *t = args[1], *m = args[2];
	if (t->kind != AST_TYPE) {
		sema_err(c, t->span, "container_of() expects a type as its second argument (typeof(struct T))");
		return ty_none();
	}
	if (m->kind != AST_IDENT && m->kind != AST_BUILTIN && m->kind != AST_FIELD) {
		sema_err(c, m->span, "container_of() expects a member name as its third argument");
		return ty_none();
	}
	/* the member path as written: f, or f.g through nested records */
	const char *path = NULL;
	for (struct ast *f = m; f; f = f->kind == AST_FIELD ? f->field.e : NULL) {
		const char *name = f->kind == AST_FIELD ? f->field.name : f->ident.name;
		path = path ? arena_printf(c->a, "%s.%s", name, path) : name;
		if (f->kind != AST_FIELD)
			break;
	}
	struct ast *inner = t->tspec.kind == AST_TY_TYPEOF && t->tspec.of && t->tspec.of->kind == AST_TYPE ?
			    t->tspec.of : t;
	struct ast *target = arena_alloc(c->a, sizeof(*target));
	*target = *inner;
	target->next = NULL;
	target->tspec.ptr++;
	struct ast *off = ast_offsetof(c->a, m->span, inner, path);
	p->next = NULL;
	struct ast *addr = ast_cast(c->a, p->span, ast_type(c->a, p->span, AST_TY_NAMED, "uint64", NULL), p);
	struct ast *next = n->next;
	*n = *ast_cast(c->a, n->span, target, ast_binary(c->a, n->span, AST_OP_SUB, addr, off));
	n->next = next;
	return sema_expr(c, n);
}

/* is_err(p): whether a kernel pointer is an error code (-4095..-1), the
 * kernel's IS_ERR; the call becomes the comparison, checked as written. */
const struct ty *sema_check_is_err(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				   struct ast *map)
{
	(void)nargs, (void)map;
	struct ast *p = args[0];
	p->next = NULL;
	struct ast *lo = ast_cast(c->a, p->span, ast_type(c->a, p->span, AST_TY_NAMED, "int64", NULL), p);
	struct ast *hi = arena_alloc(c->a, sizeof(*hi));
	*hi = *lo;
	struct ast *below = ast_binary(c->a, n->span, AST_OP_LT, lo, ast_int(c->a, n->span, 0, AST_INT_DEC, "0"));
	struct ast *from = ast_binary(c->a, n->span, AST_OP_GE, hi,
				      ast_unary(c->a, n->span, AST_OP_NEG, ast_int(c->a, n->span, 4095, AST_INT_DEC, "4095")));
	struct ast *next = n->next;
	*n = *ast_binary(c->a, n->span, AST_OP_LAND, below, from);
	n->next = next;
	return sema_expr(c, n);
}

/* signal_name(sig): a string made in the probe (so it can be a key or be
 * compared), the C library's name for signals 0 to 64, "N/A" past them. */
const struct ty *sema_check_signal_name(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
					struct ast *map)
{
	(void)nargs, (void)map;
	if (!sema_int_arg(c, n, args[0]))
		return ty_none();
	return ty_string(c->a, 32);
}

/* debugf(fmt, ...): bpf_trace_printk, read from the kernel's trace pipe; the
 * helper takes at most three arguments. */
const struct ty *sema_check_debugf(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				   struct ast *map)
{
	if (nargs > 4) {
		sema_err(c, n->span, "debugf() takes at most 3 arguments after its format (%u provided)", nargs - 1);
		return ty_none();
	}
	return sema_check_printf(c, n, args, nargs, map);
}

/* cgroup_path(id [, filter]): the id travels; user space finds the path in
 * every mounted cgroup hierarchy when it prints. */
const struct ty *sema_check_cgroup_path(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
					struct ast *map)
{
	(void)map;
	if (!sema_int_arg(c, n, args[0]))
		return ty_none();
	if (nargs == 2) {
		if (args[1]->kind != AST_STRING) {
			sema_err(c, n->span, "cgroup_path() expects its filter as a string literal");
			return ty_none();
		}
		sema_expr(c, args[1]);
	}
	return ty_new(c->a, TY_CGROUP_PATH);
}

/* kptr(x), uptr(x): x read as a kernel or a user address (a pointer, or an
 * integer that str(), buf() and dereferences then read from that space). */
static const struct ty *addrspace(struct checker *c, struct ast *n, struct ast **args, enum ty_addrspace as)
{
	const struct ty *t = sema_expr(c, args[0]);
	if (sema_poisoned(t))
		return ty_none();
	if (t->kind != TY_PTR && !ty_is_int(t)) {
		sema_err(c, n->span, "%s() expects a pointer or an integer (%s provided)", n->call.name, sema_tname(c, t));
		return ty_none();
	}
	struct ty *r = ty_new(c->a, t->kind);
	*r = *t;
	if (t->kind == TY_BOOL)
		*r = *ty_int(8, false);
	r->as = as;
	return r;
}

const struct ty *sema_check_kptr(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)nargs, (void)map;
	return addrspace(c, n, args, TY_AS_KERNEL);
}

const struct ty *sema_check_uptr(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				 struct ast *map)
{
	(void)nargs, (void)map;
	return addrspace(c, n, args, TY_AS_USER);
}

/* len(@map): how many entries the map holds (bpf_for_each_map_elem's
 * count, so a keyed map only, as current bpftrace). */
const struct ty *sema_check_len(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				struct ast *map)
{
	(void)nargs, (void)map;
	struct ast *m = args[0];
	if (m->kind == AST_MAP && m->map.keys) {
		sema_err(c, n->span, "len() expects a whole map (@m)");
		return ty_none();
	}
	if (m->kind != AST_MAP) {
		/* len(ustack), len($s) of a stack: its frames (current bpftrace) */
		const struct ty *t = sema_expr(c, m);
		if (sema_poisoned(t))
			return ty_none();
		if (t->kind == TY_STACK) {
			c->s->stack_lens = true;
			return ty_int(8, true);
		}
		sema_err(c, n->span, "len() expects a whole map (@m) or a stack (%s provided)", sema_tname(c, t));
		return ty_none();
	}
	struct sema_map *sm = sema_map_find(c->s, m->map.name);
	if (!sm || !sm->key_known) {
		if (c->report)
			sema_err(c, m->span, "Undefined map: %s", m->map.name);
		return ty_none();
	}
	if (!sm->key) {
		sema_err(c, n->span, "call to len() expects a map with explicit keys (non-scalar map)");
		return ty_none();
	}
	sm->used_as_value = true;
	m->type = (void *)ty_void();
	return ty_int(8, true);
}

/* usermode: 1 when the probe fired in user mode (x86-64: the saved cs's
 * privilege level is 3). BEGIN and END run in hawk's own process: 1. */
const struct ty *sema_check_usermode(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				     struct ast *map)
{
	(void)args, (void)nargs, (void)map;
	switch (c->ptype) {
	case PROBE_BEGIN: case PROBE_END: case PROBE_SELF: case PROBE_TEST: case PROBE_BENCH:
	case PROBE_KPROBE: case PROBE_KRETPROBE: case PROBE_UPROBE: case PROBE_URETPROBE: case PROBE_USDT:
	case PROBE_PROFILE: case PROBE_INTERVAL: case PROBE_SOFTWARE: case PROBE_HARDWARE:
	case PROBE_WATCHPOINT: case PROBE_ASYNCWATCHPOINT:
		return ty_int(8, false);
	case PROBE_INVALID: case PROBE_TRACEPOINT: case PROBE_RAWTRACEPOINT: case PROBE_FENTRY:
	case PROBE_FEXIT: case PROBE_ITER: case PROBE__COUNT:
		break;
	}
	sema_err(c, n->span, "The usermode builtin can not be used with %s probes (their context holds no registers)",
		 probetype_name(c->ptype));
	return ty_none();
}

/* strlen(s): the bytes before the first NUL, within the string's capacity. */
const struct ty *sema_check_strlen(struct checker *c, struct ast *n, struct ast **args, unsigned nargs,
				   struct ast *map)
{
	(void)nargs, (void)map;
	const struct ty *t = sema_expr(c, args[0]);
	if (sema_poisoned(t))
		return ty_none();
	if (t->kind != TY_STRING) {
		sema_err(c, n->span, "strlen() only supports string arguments (%s provided)", sema_kname(c, t));
		return ty_none();
	}
	return ty_int(8, false);
}
