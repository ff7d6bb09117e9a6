/* driver: reads the program, runs the ordered pass list, dumps after any stage, reports status. */
#include "driver.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <bpf/libbpf.h>
#include <llvm-c/Core.h>
#include <llvm/Config/llvm-config.h>

#include "common/arena.h"
#include "common/diag.h"
#include "ast/ast.h"
#include "ast/pass.h"
#include "ast/cdefs.h"
#include "ast/sema.h"
#include "codegen/cg.h"
#include "common/config.h"
#include "output/output.h"
#include "probes/binary.h"
#include "probes/btf.h"
#include "probes/features.h"
#include "probes/list.h"
#include "runtime/aot.h"
#include "runtime/run.h"
#include "runtime/settings.h"
#include "parser/parse.h"

#ifndef HAWK_VERSION
#define HAWK_VERSION "0.1.0"   /* meson passes the project version; this is the fallback */
#endif

const char drv_version[] = HAWK_VERSION;

#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/* Message for everything whose code arrives with the code generator. */

void drv_opts_init(struct drv_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = DRV_FORMAT_TEXT;
	o->buffer = DRV_BUFFER_LINE;
	o->arch = arch_host();
}

void drv_opts_free(struct drv_opts *o)
{
	if (!o)
		return;
	free(o->include_dirs);
	free(o->includes);
	free(o->named);
	o->named = NULL;
	o->include_dirs = o->includes = NULL;
	o->ninclude_dirs = o->nincludes = 0;
}

static void push(const char ***v, int *n, const char *s)
{
	*v = xrealloc(*v, (size_t)(*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

void drv_opts_add_include_dir(struct drv_opts *o, const char *dir)
{
	push(&o->include_dirs, &o->ninclude_dirs, dir);
}

void drv_opts_add_include(struct drv_opts *o, const char *file)
{
	push(&o->includes, &o->nincludes, file);
}

static void vplain(enum diag_level lvl, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	struct diag *d = diag_new(stderr);
	diag_plain(d, lvl, "%s", buf);
	diag_free(d);
}

void drv_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vplain(DIAG_ERROR, fmt, ap);
	va_end(ap);
}

void drv_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vplain(DIAG_WARNING, fmt, ap);
	va_end(ap);
}

/* One compilation: the pass context plus what only the driver needs. */
struct drv_state {
	struct pass_ctx ctx;
	uint16_t file;
};

/* parse: source text to tree. */
static unsigned pass_parse(struct pass_ctx *ctx)
{
	struct drv_state *st = container_of(ctx, struct drv_state, ctx);
	unsigned before = diag_errors(ctx->diag);
	ctx->prog = parse_program(ctx->arena, ctx->diag, st->file);
	unsigned n = diag_errors(ctx->diag) - before;
	if (!ctx->prog && n == 0) {
		diag_plain(ctx->diag, DIAG_ERROR, "internal: the parser failed without a diagnostic");
		n = 1;
	}
	return n;
}

/* attachpoints: split each probe spec into provider, target, function... */
static unsigned pass_attachpoints(struct pass_ctx *ctx)
{
	return ap_parse_program(ctx->prog, ctx->arena, ctx->diag, ctx->params, ctx->nparams);
}

/* The front end, in order. A failing pass stops the list: later passes may
 * assume the tree they get is whole. */
static const struct pass passes[] = {
	{ "parse", pass_parse },
	{ "attachpoints", pass_attachpoints },
	{ "config", sema_config },
	{ "params", sema_params },
	{ "expand", sema_expand },
	{ "cdefs", cdefs_pass },
	{ "types", sema_types },
};

static void dump_tree(const struct pass_ctx *ctx)
{
	ast_dump(stdout, ctx->prog);
}

static void dump_types(const struct pass_ctx *ctx)
{
	ast_dump_types(stdout, ctx->prog);
}

/* The -d stages: which pass each one dumps after. A NULL `after` is a stage
 * whose pass is not written yet; asking for it is an error, never a no-op. */
static const struct drv_stage {
	const char *name;
	unsigned bit;
	const char *after;
	void (*dump)(const struct pass_ctx *ctx);
} stages[] = {
	{ "parse", DRV_DUMP_PARSE, "parse", dump_tree },
	{ "ast", DRV_DUMP_AST, "attachpoints", dump_tree },
	{ "types", DRV_DUMP_TYPES, "types", dump_types },
	{ "ir", DRV_DUMP_IR, "codegen", NULL },
	{ "codegen", DRV_DUMP_CODEGEN, "codegen", NULL },
	{ "bpf", DRV_DUMP_BPF, "codegen", NULL },
	{ "libbpf", DRV_DUMP_LIBBPF, "runtime", NULL },
	{ "verifier", DRV_DUMP_VERIFIER, "runtime", NULL },
};
#define NSTAGES (sizeof(stages) / sizeof(stages[0]))
#define NPASSES (sizeof(passes) / sizeof(passes[0]))

int drv_parse_dump(struct drv_opts *o, const char *arg)
{
	const char *p = arg;
	for (;;) {
		size_t n = strcspn(p, ",");
		bool found = false;
		if (n == 3 && !strncmp(p, "all", 3)) {
			o->dump |= DRV_DUMP_ALL;
			found = true;
		}
		for (size_t i = 0; i < NSTAGES && !found; i++) {
			if (strlen(stages[i].name) == n && !strncmp(p, stages[i].name, n)) {
				o->dump |= stages[i].bit;
				found = true;
			}
		}
		if (!found) {
			drv_error("-d: unknown stage '%.*s' (expected all, parse, ast, types, ir, "
				  "codegen, bpf, libbpf or verifier)", (int)n, p);
			return -1;
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* Reads all of `f` into a NUL-terminated malloc'd buffer. */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (cap - n < 2) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The program text and the name diagnostics use for it ("stdin" for -e and -). */
static char *load_program(const struct drv_opts *o, const char **name, size_t *len)
{
	if (o->prog_text) {
		*name = "stdin";
		*len = strlen(o->prog_text);
		return xstrdup(o->prog_text);
	}
	if (!strcmp(o->script, "-")) {
		*name = "stdin";
		char *text = read_all(stdin, len);
		if (!text)
			drv_error("cannot read the program from stdin: %s", strerror(errno));
		return text;
	}
	*name = o->script;
	FILE *f = fopen(o->script, "r");
	if (!f) {
		drv_error("failed to open file '%s': %s", o->script, strerror(errno));   /* bpftrace's words */
		return NULL;
	}
	char *text = read_all(f, len);
	if (!text)
		drv_error("cannot read script %s: %s", o->script, strerror(errno));
	fclose(f);
	return text;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Runs the pass list, dumping after each pass the -d stages that follow it.
 * Returns the number of errors. */
static unsigned run_passes(struct drv_state *st, const struct drv_opts *o)
{
	for (size_t i = 0; i < NPASSES; i++) {
		double t0 = now_ms();
		unsigned errors = passes[i].run(&st->ctx);
		if (o->verbose)
			fprintf(stderr, "hawk: pass %-12s %8.3f ms, %u error%s\n", passes[i].name,
				now_ms() - t0, errors, errors == 1 ? "" : "s");
		if (errors)
			return errors;
		if (o->syntax_only && !strcmp(passes[i].name, "attachpoints"))
			return 0;
		for (size_t s = 0; s < NSTAGES; s++) {
			if ((o->dump & stages[s].bit) && stages[s].after &&
			    !strcmp(stages[s].after, passes[i].name)) {
				stages[s].dump(&st->ctx);
				fflush(stdout);
			}
		}
	}
	return 0;
}

/* The stages after the front end happen only in a run: under --check they
 * would print nothing, so say so rather than stay silent. */
static void warn_check_dumps(const struct drv_opts *o)
{
	for (size_t s = 0; s < NSTAGES; s++)
		if ((o->dump & stages[s].bit) && o->check &&
		    (!strcmp(stages[s].after, "codegen") || !strcmp(stages[s].after, "runtime")))
			drv_warning("-d %s has no effect with --check: code is generated and loaded only "
				    "in a run (--dry-run loads and attaches, then exits)", stages[s].name);
}

/* --check compiles only; options that shape a run are said to have no effect. */
static void warn_run_options(const struct drv_opts *o)
{
	char names[128] = "";
	size_t n = 0;
#define NOTE(cond, s)                                                                  \
	do {                                                                           \
		if ((cond) && n < sizeof(names))                                       \
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",    \
					      n ? ", " : "", s);               \
	} while (0)
	NOTE(o->has_pid, "-p");
	NOTE(o->cmd, "-c");
	NOTE(o->output, "-o");
	NOTE(o->format_set, "-f");
	NOTE(o->buffer_set, "-B");
	NOTE(o->warnings_k, "-k");
	NOTE(o->dry_run, "--dry-run");
#undef NOTE
	if (n && !o->no_warnings)
		drv_warning("--check: %s %s no effect (nothing is run)",
			    names, strchr(names, ',') ? "have" : "has");
}

/* Codegen, then the runtime: load, attach, events, maps. */
static int compile_and_run(struct drv_state *st, const struct drv_opts *o)
{
	/* -p: a process that is not there is said before any code is made
	 * (from attach on, the runtime holds it by a pidfd). */
	if (o->has_pid && kill(o->pid, 0) && errno == ESRCH) {
		drv_error("-p %d: no such process", (int)o->pid);
		return 1;
	}
	struct cg_opts co = {
		/* codegen is bpftrace's name for the unoptimised IR, which is all hawk makes */
		.dump_ir = (o->dump & (DRV_DUMP_IR | DRV_DUMP_CODEGEN)) ? stdout : NULL,
		.dump_bpf = (o->dump & DRV_DUMP_BPF) ? stdout : NULL,
		.emit_llvm = o->emit_llvm,
		.emit_elf = o->emit_elf,
		.pid_filter = o->has_pid,
		.aot = o->aot != NULL,
		.helper_errors = o->warnings_k,
		.dummy_ts_map = getenv("BPFTRACE_DUMMY_TS_MAP"),
	};
	co.map_keys_max = cfg_u(st->ctx.cfg, CFG_MAX_MAP_KEYS);
	struct desc *d = cg_compile(&st->ctx, &co);
	if (!d)
		return 1;
	if (o->aot)
		return aot_write(o->aot, d, st->ctx.diag, (uint32_t)st->ctx.ncpus, st->ctx.cfg,
				 o->arch) ? 1 : 0;
	if (o->arch != arch_host()) {
		drv_error("a program for %s cannot run on this %s machine: write it with --aot FILE "
			  "(hawk-run runs it there) or --emit-elf FILE", arch_info(o->arch)->name,
			  arch_info(arch_host())->name);
		return 1;
	}
	FILE *out = NULL;
	if (o->output) {
		out = fopen(o->output, "we");   /* close-on-exec: not the -c child's to hold */
		if (!out) {
			drv_error("cannot open %s for writing: %s", o->output, strerror(errno));
			return 1;
		}
	}
	FILE *flame = NULL;
	if (o->flamegraph) {
		flame = fopen(o->flamegraph, "we");
		if (!flame) {
			drv_error("cannot open %s for writing: %s", o->flamegraph, strerror(errno));
			if (out)
				fclose(out);
			return 1;
		}
	}
	struct rt_opts ro = {
		.diag = st->ctx.diag,
		.out = out,
		.flamegraph = flame,
		.format = o->format == DRV_FORMAT_JSON ? RT_FORMAT_JSON :
			  o->format == DRV_FORMAT_FOLDED ? RT_FORMAT_FOLDED : RT_FORMAT_TEXT,
		.buffer = o->buffer == DRV_BUFFER_FULL ? RT_BUFFER_FULL :
			  o->buffer == DRV_BUFFER_NONE ? RT_BUFFER_NONE : RT_BUFFER_LINE,
		.quiet = o->quiet,
		.verbose = o->verbose,
		.dump_libbpf = (o->dump & DRV_DUMP_LIBBPF) != 0,
		.dump_verifier = (o->dump & DRV_DUMP_VERIFIER) != 0,
		.pid = o->has_pid ? o->pid : 0,
		.cmd = o->cmd,
		.dry_run = o->dry_run,
		.bench = o->bench,
		.notify = getenv("HAWK_NOTIFY_ATTACHED") != NULL,
	};
	if (rt_apply_settings(d, st->ctx.cfg, &ro)) {
		if (out)
			fclose(out);
		if (flame)
			fclose(flame);
		return 1;
	}
	int status = rt_run(d, &ro);
	if (out)
		fclose(out);
	if (flame)
		fclose(flame);
	return status;
}

/* -l with a program: its attach points, in program order, to the catalogue
 * (the tree is walked here so that the catalogue sees plain points only). */
static int list_program(const struct ast *prog, struct arena *a, const struct drv_opts *o,
			struct diag *d)
{
	size_t n = 0, cap = 0;
	const struct probe_point **pts = NULL;
	for (const struct ast *it = prog ? prog->program.items : NULL; it; it = it->next) {
		if (it->kind != AST_PROBE)
			continue;
		for (const struct ast *ap = it->probe.aps; ap; ap = ap->next)
			if (ap->kind == AST_ATTACH_POINT && ap->ap) {
				pts = arena_grow(a, pts, n, &cap, sizeof(*pts));
				pts[n++] = ap->ap;
			}
	}
	return rt_list_points(pts, n, o->verbose, o->has_pid ? o->pid : 0, stdout, d);
}

/* One compilation's state from the options: the pass context. */
static void state_init(struct drv_state *st, const struct drv_opts *o, struct arena *a, struct diag *d)
{
	*st = (struct drv_state){
		.ctx = {
			.arena = a,
			.diag = d,
			.params = o->params,
			.nparams = o->nparams,
			.named = o->named,
			.nnamed = o->nnamed,
			.aot = o->aot != NULL,
			.arch = o->arch,
			.unsafe = o->unsafe,
			.probe_filter = o->probe_filter,
			.child = o->cmd != NULL,
			.start_ns = boot_ns(),
			.ncpus = libbpf_num_possible_cpus(),
			.pid = o->has_pid ? o->pid : 0,
			.cmd = o->cmd,
			.script_path = o->prog_text ? NULL : o->script,
			.include_dirs = o->include_dirs,
			.ninclude_dirs = (unsigned)o->ninclude_dirs,
			.includes = o->includes,
			.nincludes = (unsigned)o->nincludes,
		},
	};
}

unsigned drv_compile(const struct drv_opts *o, const char *text, size_t len, FILE *diag_out)
{
	struct diag *d = diag_new(diag_out);
	diag_set_warnings(d, !o->no_warnings);
	struct arena *a = arena_new();
	struct drv_state st;
	state_init(&st, o, a, d);
	struct cfg cfg;              /* the defaults: the environment is the fuzzer's */
	cfg_init(&cfg);
	st.ctx.cfg = &cfg;
	st.file = diag_source_add(d, "stdin", text, len);
	unsigned errors = run_passes(&st, o);
	if (!errors && !diag_errors(d)) {
		struct cg_opts co = { .pid_filter = o->has_pid };
		if (!cg_compile(&st.ctx, &co))
			errors = diag_errors(d) ? diag_errors(d) : 1;
	}
	if (!errors)
		errors = diag_errors(d);
	arena_free(a);
	diag_free(d);
	return errors;
}

int drv_run(struct drv_opts *o)
{
	for (unsigned i = 0; i < o->ndebuginfo; i++)
		rt_bin_debug_dirs_add(o->debuginfo[i]);
	/* The settings first: a bad value is an error whatever was asked. */
	struct cfg cfg;
	char err[256];
	cfg_init(&cfg);
	if (cfg_load_env(&cfg, err, sizeof(err))) {
		drv_error("%s", err);
		return 1;
	}
	rt_btf_set_path(cfg_str(&cfg, CFG_BTF));
	/* BPFTRACE_COLOR is HAWK_COLOR's twin; the diagnostics read the latter */
	if (cfg.env_name[CFG_COLOR] && !getenv("HAWK_COLOR"))
		setenv("HAWK_COLOR", cfg_str(&cfg, CFG_COLOR), 1);
	if (o->list && !o->prog_text && !o->script) {
		struct diag *d = diag_new(stderr);
		int err = rt_list(o->list_pattern, o->verbose, o->has_pid ? o->pid : 0, stdout, d);
		diag_free(d);
		return err ? 1 : 0;
	}
	warn_check_dumps(o);
	if (o->check)
		warn_run_options(o);

	const char *name;
	size_t len;
	char *text = load_program(o, &name, &len);
	if (!text)
		return 1;

	struct diag *d = diag_new(stderr);
	diag_set_warnings(d, !o->no_warnings);
	struct arena *a = arena_new();
	struct drv_state st;
	state_init(&st, o, a, d);
	st.ctx.cfg = &cfg;
	st.file = diag_source_add(d, name, text, len);

	int status = 0;
	struct drv_opts lo;
	if (o->list) {
		/* -l with a program: the probes its attach points name, which
		 * needs only the grammar and the attach-point pass. */
		lo = *o;
		lo.syntax_only = true;
		o = &lo;
	}
	if (run_passes(&st, o) || diag_errors(d)) {
		status = 1;
		goto out;
	}
	if (o->list) {
		status = list_program(st.ctx.prog, a, o, d) ? 1 : 0;
		goto out;
	}
	if (o->check)
		goto out;
	status = compile_and_run(&st, o);
out:
	arena_free(a);
	diag_free(d);
	free(text);
	return status;
}

int drv_info(void)
{
	struct utsname u;
	unsigned major, minor, patch;

	LLVMGetVersion(&major, &minor, &patch);
	printf("System\n");
	if (uname(&u) == 0) {
		printf("  OS: %s %s %s\n", u.sysname, u.release, u.version);
		printf("  Arch: %s\n", u.machine);
	} else {
		printf("  OS: unknown (uname: %s)\n", strerror(errno));
	}
	/* bpftrace's lines, so that tools and test engines that search this
	 * text for "NAME: yes" gate the same way (hawk has no bfd, systemd,
	 * blazesym or DWARF unwinding; its own ld.so.cache reader resolves
	 * library names, the job bcc did for bpftrace 0.17). */
	printf("\nBuild\n");
	printf("  version: v%s\n", HAWK_VERSION);
	printf("  LLVM: %u.%u.%u (built with %s)\n", major, minor, patch, LLVM_VERSION_STRING);
	printf("  libbpf: v%u.%u\n", libbpf_major_version(), libbpf_minor_version());
	printf("  unsafe uprobe: no\n");
	printf("  bfd: no\n");
	printf("  libdw (DWARF support): yes\n");
	printf("  libsystemd (systemd notify support): no\n");
	printf("  blazesym (advanced symbolization): no\n");
	printf("  dwunwind (DWARF stack unwinding): no\n");
	printf("  bcc library path resolution: yes\n\n");
	struct rt_features f;
	rt_feat_detect(&f);
	rt_feat_print(stdout, &f);
	return 0;
}
