/* run: the runtime's main loop: libbpf load, attach in order, ring buffer polling, exit sequence. */
#include "runtime/run.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common/arena.h"
#include "common/fmt.h"
#include "probes/btf.h"
#include "runtime/attach.h"
#include "output/output.h"
#include "probes/provider.h"
#include "probes/tracefs.h"
#include "runtime/actions.h"
#include "runtime/globals.h"
#include "runtime/params.h"
#include "runtime/maps.h"
#include "runtime/proc.h"
#include "runtime/usym.h"
#include "runtime/watch.h"

/* A record callback's way to stop ring_buffer__consume at an exit() record,
 * leaving later records for the drain after END. */
#define STOP_RECORD (-ECANCELED)

/* Verifier log per program. The kernel (>= 6.4) keeps the log's tail when
 * it overflows, so the error line survives; malloc'd, only touched on use. */
#define LOG_SIZE (1u << 20)
/* -d verifier logs every instruction (level 2) of programs that load: a
 * log that overflows its buffer fails the load with ENOSPC (kernel >= 6.4). */
#define DUMP_LOG_SIZE (64u << 20)

/* How long the -c child has to exit after SIGTERM before SIGKILL. */
#define CHILD_GRACE_MS 1000

enum stop_reason { STOP_NONE, STOP_EXIT, STOP_SIGNAL, STOP_CHILD, STOP_PID, STOP_ERROR };

/* epoll data: which source woke the loop. */
enum { SRC_RING, SRC_SIGNAL, SRC_PROC };

struct rt_session {
	const struct desc *d;
	struct rt_opts o;
	FILE *out;                    /* the cookie stream over dest (out_write) */
	FILE *dest;                   /* rt_opts.out or stdout */
	int out_err;                  /* the first write error, errno */
	bool out_err_told;
	struct out_sink *sink;
	struct rt_usyms *usyms;     /* user symbols, made when first needed */
	struct bpf_object *obj;
	struct bpf_program **progs;   /* one per desc probe */
	char **logs;                  /* one per desc probe, NULL when shared */
	int *map_fds;
	struct ring_buffer *rb;
	struct rt_links links;
	struct rt_watches watches;    /* watchpoint:FUNC+argN, attached as addresses come */
	int epfd;
	int proc_fd;                  /* pidfd of the -p process */
	struct rt_child child;        /* -c: forked at load, released after BEGIN */
	bool handlers;                /* signal handlers installed */
	struct sigaction old_int, old_term, old_usr1;
	enum stop_reason stop;
	int exit_code;
	bool draining;                /* after END: exit() records do not stop */
	bool bad_record;              /* one warning is enough */
	bool discard;                 /* records are dropped: after exit(), or cut_short */
	bool cut_short;               /* the drain before END: a signal drops the rest */
	sig_atomic_t sig_base;        /* signals before the current phase */
	unsigned batch;               /* records printed, to look up during floods */
	uint64_t lost_reported;
	uint64_t lost_at_exit;        /* the count when exit()'s record was read */
	uint64_t lost_ignored;        /* lost after exit(): output dropped anyway */
	void *lost_buf;               /* one lookup of the lost counter's map */
	volatile uint64_t *stop_flag; /* .bss: every probe but END returns at once when set (cg_stmt.c) */
	void *stop_map;               /* our mapping of .bss, which holds it */
	size_t stop_map_len;
	uint32_t lost_ncpu, lost_stride;
	bool *full_told;              /* per desc map: said to be full */
	double lost_checked, stopped_at;
	struct rt_timing t;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------------
 * Output: records to the output module (output.h), and the map reads and
 * map operations (clear, zero, cat, system) it leaves to the loader.
 * ---------------------------------------------------------------------- */

static int map_index(const struct rt_session *s, const struct desc_map *m)
{
	return (int)(m - s->d->maps);
}

static uint32_t map_nvalues(const struct desc_map *m)
{
	int n = m->percpu ? libbpf_num_possible_cpus() : 1;
	return n > 0 ? (uint32_t)n : 1;
}

/* SIGINT/SIGTERM so far, and the pipe each one writes a byte to (the
 * handler, below). */
static volatile sig_atomic_t signalled;
static int sig_pipe[2] = { -1, -1 };

static void sig_drain(void)
{
	char buf[64];
	while (sig_pipe[0] >= 0 && read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/* Whether a signal came since the current phase began: the first one stops
 * the loop; during the exit sequence (END, drain, maps) only a further one
 * cuts the long steps short. */
static bool interrupted(const struct rt_session *s)
{
	return signalled > s->sig_base;
}

static bool session_interrupted(void *arg)
{
	return interrupted(arg);
}

/* A map pass stops for the signal that stops the run, so the loop sees it
 * at once. In the exit sequence it goes to the end: it is bounded by the
 * map's size, and END's clear(@) cut short by a second Ctrl-C printed the
 * very map it was there to hide. */
static bool map_pass_interrupted(void *arg)
{
	const struct rt_session *s = arg;
	return s->stop == STOP_NONE && interrupted(s);
}

static struct rt_map_op map_op(struct rt_session *s, const struct desc_map *m)
{
	return (struct rt_map_op){ .fd = s->map_fds[map_index(s, m)], .m = m,
				   .nvalues = map_nvalues(m), .interrupted = map_pass_interrupted,
				   .arg = s };
}

/* Every entry of map m into snap (out_map_read_fn). */
static int read_map(void *ctx, const struct desc_map *m, struct out_snapshot *snap)
{
	struct rt_map_op op = map_op(ctx, m);
	rt_map_read(&op, snap);
	return 0;
}

static void clear_map(struct rt_session *s, const struct desc_map *m, bool zero)
{
	struct rt_map_op op = map_op(s, m);
	rt_map_clear(&op, zero);
}

static bool map_is_full(struct rt_session *s, const struct desc_map *m)
{
	struct rt_map_op op = map_op(s, m);
	return rt_map_full(&op);
}

/* kstack/ustack values { i64 id; u32 pid; u32 pad; }: the ips stored under
 * id in the stack map, up to the first zero (out_stack_fn). */
static int read_stack(void *ctx, const struct ty *t, const void *value, uint64_t *ips,
		      uint32_t max)
{
	struct rt_session *s = ctx;
	int64_t id;
	memcpy(&id, value, sizeof(id));
	/* one stack map per frame limit: the one holding t's frames */
	int mi = -1;
	for (uint32_t i = 0; i < s->d->nmaps; i++)
		if (s->d->maps[i].role == DESC_MAP_STACKS &&
		    (mi < 0 || (t && s->d->maps[i].value_size == t->stack_limit * 8)))
			mi = (int)i;
	if (id < 0 || mi < 0)
		return 0;
	const struct desc_map *m = &s->d->maps[mi];
	uint32_t n = m->value_size / sizeof(uint64_t);
	uint64_t *buf = xcalloc(n ? n : 1, sizeof(uint64_t));
	uint32_t key = (uint32_t)id, k = 0;
	if (!bpf_map_lookup_elem(s->map_fds[mi], &key, buf))
		for (; k < n && k < max && buf[k]; k++)
			ips[k] = buf[k];
	free(buf);
	return (int)k;
}

/* The user symbol tables, made when first needed; the probed binaries
 * stand in for a process that exited before its mappings were read. */
static struct rt_usyms *usyms(struct rt_session *s)
{
	if (s->usyms)
		return s->usyms;
	s->usyms = rt_usyms_new();
	for (uint32_t i = 0; i < s->d->nprobes; i++) {
		const struct desc_probe *p = &s->d->probes[i];
		if ((p->type == PROBE_UPROBE || p->type == PROBE_URETPROBE || p->type == PROBE_USDT) && p->target)
			rt_usyms_add_exec(s->usyms, p->target);
	}
	return s->usyms;
}

static const char *find_usym(void *ctx, uint32_t pid, uint64_t addr, uint64_t *off,
			     const char **module)
{
	return rt_usyms_find(usyms(ctx), pid, addr, off, module);
}

/* printf's %gr names flags by this kernel's GFP bit numbers: its
 * ___GFP_<NAME>_BIT enumerators, read from BTF when a format asks. */
static void gfp_bits(const struct desc *d)
{
	bool used = false;
	for (uint32_t i = 0; i < d->nevents && !used; i++) {
		if (!d->events[i].fmt || !strstr(d->events[i].fmt, "gr"))
			continue;
		struct fmt f;
		fmt_parse(d->events[i].fmt, &f);
		for (uint32_t k = 0; k < f.nspecs; k++)
			used |= f.specs[k].conv == FMT_CONV_GFP;
		fmt_fini(&f);
	}
	if (!used || rt_btf_load(NULL) < 0)
		return;
	for (uint32_t id = 1, n = rt_btf_count(); id < n; id++) {
		const struct btf_type *t = rt_btf_type(id);
		if (btf_kind(t) != BTF_KIND_ENUM)
			continue;
		for (uint16_t e = 0; e < btf_vlen(t); e++) {
			const char *name = rt_btf_str(btf_enum(t)[e].name_off);
			size_t len = strlen(name);
			if (strncmp(name, "___GFP_", 7) || len < 12 || strcmp(name + len - 4, "_BIT"))
				continue;
			for (unsigned b = 0; out_gfp_base(b); b++)
				if (strlen(out_gfp_base(b)) == len - 11 && !strncmp(name + 7, out_gfp_base(b), len - 11))
					out_gfp_set_bit(b, (unsigned)btf_enum(t)[e].val);
		}
	}
}

static bool find_ubuildid(void *ctx, uint32_t pid, uint64_t addr, const char **id, uint64_t *foff)
{
	return rt_usyms_build_id(usyms(ctx), pid, addr, id, foff);
}

static int find_usrc(void *ctx, uint32_t pid, uint64_t addr, struct out_src_frame *out, int max)
{
	struct rt_src_frame f[16];
	int n = rt_usyms_src(usyms(ctx), pid, addr, f, max < 16 ? max : 16);
	for (int i = 0; i < n; i++)
		out[i] = (struct out_src_frame){ f[i].func, f[i].file, f[i].line, f[i].inlined };
	return n;
}

/* The processes whose user addresses the programs took: their mappings
 * read now, while they live (each once), so that their stacks and usym
 * values still print as names after they exit. Every poll tick and before
 * the maps print. */
static void note_pids(struct rt_session *s)
{
	for (uint32_t i = 0; i < s->d->nmaps; i++) {
		if (s->d->maps[i].role != DESC_MAP_PIDS || s->map_fds[i] < 0)
			continue;
		uint32_t key, next, *prev = NULL;
		while (!bpf_map_get_next_key(s->map_fds[i], prev, &next)) {
			rt_usyms_note_pid(usyms(s), next);
			key = next;
			prev = &key;
		}
	}
}

/* cat() and system() (actions.c), stopped by a signal through the pipe. */
static struct rt_act_ctx act_ctx(struct rt_session *s)
{
	return (struct rt_act_ctx){
		.sink = s->sink, .out = s->out, .diag = s->o.diag,
		.json = s->o.format == RT_FORMAT_JSON, .cat_bytes_max = s->o.cat_bytes_max,
		.sig_fd = sig_pipe[0], .sig_drain = sig_drain,
		.interrupted = session_interrupted, .arg = s,
	};
}

static void do_cat(struct rt_session *s, const struct desc_event *ev, const void *rec)
{
	size_t len;
	char *path = out_format(s->sink, ev, rec, &len);
	struct rt_act_ctx c = act_ctx(s);
	rt_act_cat(&c, path);
	free(path);
}

static void do_system(struct rt_session *s, const struct desc_event *ev, const void *rec)
{
	size_t len;
	char *cmd = out_format(s->sink, ev, rec, &len);
	struct rt_act_ctx c = act_ctx(s);
	rt_act_system(&c, cmd);
	free(cmd);
}

/* Every byte of output goes through here: the first write error (-o
 * /dev/full: ENOSPC) is kept, the run stops on it and exits 1. Later
 * output is dropped, so stdio never retries a full disk. */
static ssize_t out_write(void *cookie, const char *buf, size_t n)
{
	struct rt_session *s = cookie;
	errno = 0;
	if (!s->out_err && (fwrite(buf, 1, n, s->dest) != n || fflush(s->dest)))
		s->out_err = errno ? errno : EIO;
	return (ssize_t)n;
}

/* After a write error: said once; 1 as the exit status. */
static bool out_failed(struct rt_session *s)
{
	if (!s->out_err)
		return false;
	if (!s->out_err_told)
		diag_plain(s->o.diag, DIAG_ERROR, "cannot write the output: %s", strerror(s->out_err));
	s->out_err_told = true;
	return true;
}

static void emit_attached(struct rt_session *s, unsigned n)
{
	out_attached(s->sink, n);
}

static void emit_lost(struct rt_session *s, uint64_t n)
{
	out_lost(s->sink, n);
}

/* One record other than exit(). Returns 0, or a negative errno to stop. */
static int emit_event(struct rt_session *s, const struct desc_event *ev, const void *data,
		      size_t size)
{
	if (size < ev->size) {
		if (!s->bad_record)
			diag_plain(s->o.diag, DIAG_WARNING, "internal: a record of %zu bytes for an "
				   "event of %u", size, ev->size);
		s->bad_record = true;
		return 0;
	}
	const uint8_t *rec = data;
	switch (ev->kind) {
	case DESC_EV_PRINTF:
		out_printf(s->sink, ev, rec);
		break;
	case DESC_EV_PRINT_VALUE:
		if (ev->nargs)
			out_value(s->sink, ev->args[0].type, rec + ev->args[0].offset);
		break;
	case DESC_EV_PRINT_MAP: {
		const struct desc_map *m = &s->d->maps[ev->map];
		struct out_snapshot *snap = out_snapshot_new(m, map_nvalues(m));
		read_map(s, m, snap);
		out_map_print(s->sink, m, snap, ev->top, ev->div);
		out_snapshot_free(snap);
		break;
	}
	case DESC_EV_CLEAR:
	case DESC_EV_ZERO:
		clear_map(s, &s->d->maps[ev->map], ev->kind == DESC_EV_ZERO);
		break;
	case DESC_EV_TIME:
		out_time(s->sink, ev->fmt);
		break;
	case DESC_EV_JOIN:
		out_join(s->sink, ev, rec);
		break;
	case DESC_EV_CAT:
		do_cat(s, ev, rec);
		break;
	case DESC_EV_SYSTEM:
		do_system(s, ev, rec);
		break;
	case DESC_EV_WARNING:
		fflush(s->out); /* after the output that came before it */
		diag_warning(s->o.diag, ev->at, "%s", ev->fmt);
		break;
	case DESC_EV_HELPER_ERROR: {
		/* -k: bpftrace's wording, at the call that failed */
		int64_t code;
		memcpy(&code, (const char *)rec + sizeof(struct desc_event_hdr), 8);
		if (s->o.format == RT_FORMAT_JSON) {
			/* current bpftrace's object, on the output */
			const struct diag_source *src = diag_source(s->o.diag, ev->at.file);
			fprintf(s->out, "{\"type\": \"helper_error\", \"msg\": \"%s\", \"helper\": \"%s\", "
				"\"retcode\": %lld, \"filename\": \"%s\", \"line\": %u, \"col\": %u}\n",
				code < 0 ? strerror((int)-code) : "", ev->fmt, (long long)code,
				src ? src->name : "", ev->at.line, ev->at.col);
			break;
		}
		fflush(s->out);
		if (code < 0)
			diag_warning(s->o.diag, ev->at, "Failed to %s: %s (%lld)", ev->fmt, strerror((int)-code),
				     (long long)code);
		else
			diag_warning(s->o.diag, ev->at, "Failed to %s: %lld", ev->fmt, (long long)code);
		break;
	}
	case DESC_EV_ERRORF:
	case DESC_EV_WARNF: {
		/* current bpftrace's errorf/warnf: the formatted text as a located
		 * diagnostic (its trailing newline dropped); the run goes on */
		size_t len;
		char *msg = out_format(s->sink, ev, rec, &len);
		while (len && msg[len - 1] == '\n')
			msg[--len] = 0;
		fflush(s->out);
		if (ev->kind == DESC_EV_ERRORF)
			diag_error(s->o.diag, ev->at, "%s", msg);
		else
			diag_warning(s->o.diag, ev->at, "%s", msg);
		/* inside a macro: where it was called, as current bpftrace says */
		if (ev->from.line && ev->kind == DESC_EV_ERRORF)
			diag_error(s->o.diag, ev->from, "expanded from");
		else if (ev->from.line)
			diag_warning(s->o.diag, ev->from, "expanded from");
		free(msg);
		break;
	}
	case DESC_EV_WATCH: {
		/* the setup uprobe reached FUNC: watch argN's address, then let a
		 * synchronous watchpoint's process (stopped by the uprobe) go on */
		uint64_t addr;
		memcpy(&addr, rec + sizeof(struct desc_event_hdr), sizeof(addr));
		unsigned pi = (unsigned)ev->map;
		const struct desc_probe *p = &s->d->probes[pi];
		pid_t pid = s->child.pid ? s->child.pid : s->o.pid;
		int err = rt_watch_add(&s->watches, pi, p, s->progs[pi], pid, addr, s->out, s->o.diag);
		if (p->type != PROBE_ASYNCWATCHPOINT && pid > 0)
			kill(pid, SIGCONT);
		if (err && err != -ENOSPC)
			return err;
		break;
	}
	case DESC_EV_UNWATCH: {
		uint64_t addr;
		memcpy(&addr, rec + sizeof(struct desc_event_hdr), sizeof(addr));
		rt_watch_remove(&s->watches, addr);
		break;
	}
	case DESC_EV_EXIT:
		break;
	}
	return 0;
}

/* The maps at exit, after END: "\n\n" then every user map (text mode). */
static void emit_maps(struct rt_session *s)
{
	note_pids(s);
	out_end(s->sink);
	if (!s->o.no_exit_maps)
		out_maps_at_exit(s->sink, s->d, (uint32_t)libbpf_num_possible_cpus(), read_map, s);
	out_flame_write(s->sink);
}

/* ------------------------------------------------------------------------
 * libbpf's messages go through our diagnostics: everything under -d libbpf,
 * info under -v, and otherwise only the last warning, kept to complete an
 * error that has no better explanation. libbpf_set_print takes no context
 * pointer, hence one run per process at a time.
 * ---------------------------------------------------------------------- */

static struct {
	bool all, info;
	FILE *out;              /* the diagnostics' stream */
	char last[512];
	char failed[128];       /* the program libbpf said it failed to load */
	libbpf_print_fn_t old;
} lp;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (lp.all || (lp.info && level == LIBBPF_INFO)) {
		fprintf(lp.out, "libbpf: %s", buf);
		return 0;
	}
	/* "prog 'NAME': BPF program load failed: ...": libbpf closes every
	 * program's fd after a failure, so this names the one that failed. */
	char name[128];
	const char *pr = strstr(buf, "prog '");
	if (pr && sscanf(pr, "prog '%127[^']': BPF program load failed", name) == 1)
		snprintf(lp.failed, sizeof lp.failed, "%s", name);
	if (level != LIBBPF_WARN || strstr(buf, "PROG LOAD LOG"))
		return 0;
	size_t n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	snprintf(lp.last, sizeof(lp.last), "%s", buf);
	return 0;
}

/* ------------------------------------------------------------------------
 * Load.
 * ---------------------------------------------------------------------- */

/* Whether the effective capabilities allow loading tracing programs:
 * CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON (kernel >= 5.8). */
static bool privileged(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];
	if (syscall(SYS_capget, &h, c))
		return geteuid() == 0;
#define HAS(cap) ((c[(cap) / 32].effective >> ((cap) % 32)) & 1)
	return HAS(21 /* CAP_SYS_ADMIN */) || (HAS(39 /* CAP_BPF */) && HAS(38 /* CAP_PERFMON */));
#undef HAS
}

static const char need_root[] =
	"hawk needs root (CAP_BPF and CAP_PERFMON) to load programs";

/* The probes a program serves, for messages: "NAME" or "NAME (and N more)". */
static const char *probe_of(struct rt_session *s, const char *prog, char *buf, size_t n)
{
	const char *first = NULL;
	unsigned more = 0;
	for (uint32_t i = 0; i < s->d->nprobes; i++) {
		if (strcmp(s->d->probes[i].prog_name, prog))
			continue;
		if (!first)
			first = s->d->probes[i].name;
		else
			more++;
	}
	if (!first)
		snprintf(buf, n, "program %s", prog);
	else if (more)
		snprintf(buf, n, "%s (and %u more)", first, more);
	else
		snprintf(buf, n, "%s", first);
	return buf;
}

/* After bpf_object__load failed with err: one error saying why. */
static void load_failed(struct rt_session *s, int err)
{
	struct diag *dg = s->o.diag;
	struct bpf_program *bad = NULL;
	const char *log = NULL;
	/* The program libbpf named in its failure message; else the first
	 * without an fd (libbpf loads in order and stops at the first rejection). */
	for (uint32_t i = 0; i < s->d->nprobes && !bad && lp.failed[0]; i++) {
		struct bpf_program *p = s->progs[i];
		if (p && !strcmp(bpf_program__name(p), lp.failed)) {
			bad = p;
			log = s->logs[i];
		}
	}
	for (uint32_t i = 0; i < s->d->nprobes && !bad; i++) {
		struct bpf_program *p = s->progs[i];
		if (p && bpf_program__autoload(p) && bpf_program__fd(p) < 0) {
			bad = p;
			log = s->logs[i];
		}
	}
	char name[256];
	if (err == -EPERM && !privileged()) {
		diag_plain(dg, DIAG_ERROR, "%s", need_root);
	} else if (bad && err == -EPERM && bpf_program__type(bad) == BPF_PROG_TYPE_TRACING) {
		/* fentry/fexit: "BPF program load failed: Operation not permitted"
		 * with an empty log when ftrace's function hooks are locked down. */
		diag_plain(dg, DIAG_ERROR, "cannot load %s: this kernel refuses fentry/fexit "
			   "programs (EPERM; its ftrace function hooks are locked down)",
			   probe_of(s, bpf_program__name(bad), name, sizeof(name)));
	} else if (bad && log && log[0]) {
		rt_verifier_error(dg, probe_of(s, bpf_program__name(bad), name, sizeof(name)), log);
		if (s->o.verbose)
			fprintf(lp.out, "-- verifier log of %s --\n%s-- end of log --\n",
				bpf_program__name(bad), log);
		else
			diag_plain(dg, DIAG_NOTE, "run with -v to see the whole verifier log");
	} else {
		diag_plain(dg, DIAG_ERROR, "cannot load the BPF programs: %s%s%s%s", strerror(-err),
			   lp.last[0] ? " (" : "", lp.last, lp.last[0] ? ")" : "");
	}
}

/* The child (proc.c) is forked at load, before anything is loaded, so a
 * command that cannot run fails first and `cpid` is known to the programs;
 * it is released once BEGIN has run. */

/* The .rodata values the programs read (cg_proc.c): cpid, -p's pid, the start time and ncpus.
 * Absent from objects whose programs do not use them. */
static int set_globals(struct rt_session *s)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	int ncpus = libbpf_num_possible_cpus();
	int err = rt_global_set(s->obj, DESC_VAR_CPID, (uint64_t)s->child.pid);
	if (!err || err == -ENOENT)
		err = rt_global_set(s->obj, DESC_VAR_PID, (uint64_t)s->o.pid);
	if (!err || err == -ENOENT)
		err = rt_global_set(s->obj, DESC_VAR_START_NS,
				    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	if (!err || err == -ENOENT)
		err = rt_global_set(s->obj, DESC_VAR_NCPUS, ncpus > 0 ? (uint64_t)ncpus : 1);
	if ((!err || err == -ENOENT) && s->d->nparams)
		err = rt_params_set(s->obj, s->d, s->o.params, s->o.nparams);
	if (err && err != -ENOENT) {
		diag_plain(s->o.diag, DIAG_ERROR, "internal: cannot set the programs' read-only "
			   "globals: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* Whether the load failed on a fentry/fexit program the kernel refuses:
 * "BPF program load failed: Operation not permitted", empty log. */
static bool refused_tracing(struct rt_session *s, int err)
{
	/* libbpf unloads every program when one fails, so which one failed is
	 * not visible here: any fentry/fexit program with an EPERM is the suspect. */
	if (err != -EPERM || !privileged())
		return false;
	for (uint32_t i = 0; i < s->d->nprobes; i++)
		if (s->d->probes[i].type == PROBE_FENTRY || s->d->probes[i].type == PROBE_FEXIT)
			return true;
	return false;
}

/* One verifier log buffer per program (several probes may share one). */
static void set_logs(struct rt_session *s)
{
	const struct rt_opts *o = &s->o;
	for (uint32_t i = 0; i < s->d->nprobes; i++) {
		bool seen = false;
		for (uint32_t j = 0; j < i && !seen; j++)
			seen = s->progs[j] == s->progs[i];
		if (seen)
			continue;
		size_t size = o->dump_verifier ? DUMP_LOG_SIZE : o->log_size ? o->log_size : LOG_SIZE;
		if (!s->logs[i])
			s->logs[i] = xmalloc(size);
		s->logs[i][0] = '\0';
		bpf_program__set_log_buf(s->progs[i], s->logs[i], size);
		if (o->dump_verifier)
			bpf_program__set_log_level(s->progs[i], 2);
	}
}

/* A uprobe group's program is loaded for uprobe_multi links (libbpf 1.1's
 * "uprobe" section says a plain kprobe-type program). */
static void set_multi(struct rt_session *s)
{
	for (uint32_t i = 0; i < s->d->nprobes; i++)
		if (s->d->probes[i].multi_n > 1)
			bpf_program__set_expected_attach_type(s->progs[i],
							      (enum bpf_attach_type)RT_ATTACH_UPROBE_MULTI);
}

/* The object again, its fentry/fexit programs left unloaded, each named in
 * one warning. A failed bpf_object__load cannot be retried: reopen. */
static int reload_without_tracing(struct rt_session *s)
{
	const struct desc *d = s->d;
	char name[256];
	bpf_object__close(s->obj);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "hawk");
	s->obj = bpf_object__open_mem(d->elf, d->elf_size, &oo);
	if (!s->obj)
		return -errno;
	for (uint32_t i = 0; i < d->nprobes; i++) {
		s->progs[i] = bpf_object__find_program_by_name(s->obj, d->probes[i].prog_name);
		if (!s->progs[i])
			return -ENOENT;
		if (d->probes[i].type != PROBE_FENTRY && d->probes[i].type != PROBE_FEXIT)
			continue;
		bpf_program__set_autoload(s->progs[i], false);
		const struct desc_probe *p = &d->probes[i];
		snprintf(name, sizeof name, "cannot load %s: this kernel refuses fentry/fexit programs "
			 "(EPERM; its ftrace function hooks are locked down)", p->name);
		if (p->at.line)
			diag_warning(s->o.diag, p->at, "%s", name);
		else
			diag_plain(s->o.diag, DIAG_WARNING, "%s", name);
	}
	set_logs(s);
	set_multi(s);
	lp.failed[0] = '\0';
	int err = set_globals(s);
	return err ? err : bpf_object__load(s->obj);
}

int rt_session_load(const struct desc *d, const struct rt_opts *o, struct rt_session **out)
{
	int err;
	struct rt_session *s = xcalloc(1, sizeof(*s));
	*out = s;
	s->d = d;
	s->o = *o;
	s->dest = o->out ? o->out : stdout;
	s->out = fopencookie(s, "w", (cookie_io_functions_t){ .write = out_write });
	if (!s->out)
		s->out = s->dest;
	s->epfd = s->proc_fd = -1;
	s->child.pidfd = s->child.go = s->child.result = -1;
	if (s->o.poll_ms <= 0)
		s->o.poll_ms = RT_POLL_MS;
	switch (o->buffer) {
	/* -B line: lines reach the reader as soon as a batch of records is
	 * printed (consume() flushes), not one write() per line: a flood of
	 * printf then costs no system call per event. */
	case RT_BUFFER_LINE:
	case RT_BUFFER_FULL: setvbuf(s->out, NULL, _IOFBF, 1 << 16); break;
	case RT_BUFFER_NONE: setvbuf(s->out, NULL, _IONBF, 0); break;
	}
	/* Messages ("Attached", "Lost") go where the diagnostics go: stderr. */
	s->sink = out_sink_new(s->out, diag_output(o->diag),
			       o->format == RT_FORMAT_JSON ? OUT_JSON :
			       o->format == RT_FORMAT_FOLDED ? OUT_FOLDED : OUT_TEXT);
	out_sink_set_desc(s->sink, d);
	out_sink_set_stack_reader(s->sink, read_stack, s);
	if (o->flamegraph)
		out_sink_set_flamegraph(s->sink, o->flamegraph);
	out_sink_set_usym(s->sink, find_usym, s);
	out_sink_set_usrc(s->sink, find_usrc, s);
	out_sink_set_ubuildid(s->sink, find_ubuildid, s);
	gfp_bits(d);
	lp.out = diag_output(o->diag);
	lp.all = o->dump_libbpf;
	lp.info = o->verbose > 1;
	lp.last[0] = '\0';
	lp.failed[0] = '\0';
	lp.old = libbpf_set_print(libbpf_print);

	if (!privileged()) {
		diag_plain(o->diag, DIAG_ERROR, "%s", need_root);
		return -EPERM;
	}
	double t0 = now_ms();
	/* bpf_object__open_mem does not copy: d->elf lives in d's arena. */
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "hawk");
	s->obj = bpf_object__open_mem(d->elf, d->elf_size, &oo);
	if (!s->obj) {
		int e = errno;
		diag_plain(o->diag, DIAG_ERROR, "cannot open the BPF object: %s%s%s%s", strerror(e),
			   lp.last[0] ? " (" : "", lp.last, lp.last[0] ? ")" : "");
		return -e;
	}
	s->t.open = now_ms() - t0;
	if (o->cmd && (err = rt_child_spawn(&s->child, o->cmd, o->diag)))
		return err;
	if ((err = set_globals(s)))
		return err;
	if (o->ringbuf_bytes && d->ringbuf_map >= 0) {
		struct bpf_map *m = bpf_object__find_map_by_name(s->obj, d->maps[d->ringbuf_map].bpf_name);
		if (m && (err = bpf_map__set_max_entries(m, (uint32_t)o->ringbuf_bytes))) {
			diag_plain(o->diag, DIAG_ERROR, "cannot size the ring buffer to %llu bytes: %s",
				   (unsigned long long)o->ringbuf_bytes, strerror(-err));
			return err;
		}
	}

	s->progs = xcalloc(d->nprobes ? d->nprobes : 1, sizeof(*s->progs));
	s->logs = xcalloc(d->nprobes ? d->nprobes : 1, sizeof(*s->logs));
	for (uint32_t i = 0; i < d->nprobes; i++) {
		const struct desc_probe *p = &d->probes[i];
		s->progs[i] = bpf_object__find_program_by_name(s->obj, p->prog_name);
		if (!s->progs[i]) {
			diag_plain(o->diag, DIAG_ERROR, "internal: probe %s: no program %s in the "
				   "BPF object", p->name, p->prog_name);
			return -ENOENT;
		}
	}
	set_logs(s);
	set_multi(s);

	t0 = now_ms();
	err = bpf_object__load(s->obj);
	s->t.load = now_ms() - t0;
	if (err && o->dry_run && refused_tracing(s, err)) {
		/* --dry-run: verify everything else, and say which probes this
		 * kernel would not load (fentry/fexit here: ftrace locked down). */
		err = reload_without_tracing(s);
	}
	if (err) {
		load_failed(s, err);
		return err;
	}
	if (o->dump_verifier)
		for (uint32_t i = 0; i < d->nprobes; i++)
			if (s->logs[i])
				fprintf(lp.out, "-- verifier log of %s (%s) --\n%s",
					bpf_program__name(s->progs[i]), d->probes[i].name, s->logs[i]);

	s->map_fds = xcalloc(d->nmaps ? d->nmaps : 1, sizeof(*s->map_fds));
	s->full_told = xcalloc(d->nmaps ? d->nmaps : 1, sizeof(*s->full_told));
	for (uint32_t i = 0; i < d->nmaps; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(s->obj, d->maps[i].bpf_name);
		s->map_fds[i] = m ? bpf_map__fd(m) : -1;
		if (s->map_fds[i] < 0) {
			diag_plain(o->diag, DIAG_ERROR, "internal: no map %s (%s) in the BPF object",
				   d->maps[i].bpf_name, d->maps[i].name);
			return -ENOENT;
		}
		if ((int)i == d->lost_map) {
			/* Sized by the map itself: a .bss counter shares its value
			 * with every other global of the section. */
			bool percpu = bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_ARRAY;
			int n = percpu ? libbpf_num_possible_cpus() : 1;
			s->lost_ncpu = n > 0 ? (uint32_t)n : 1;
			s->lost_stride = percpu ? (bpf_map__value_size(m) + 7) / 8 * 8
						: bpf_map__value_size(m);
			if (s->lost_stride >= sizeof(uint64_t))
				s->lost_buf = xcalloc(s->lost_ncpu, s->lost_stride);
			/* The flag after the count, written through our own shared
			 * mapping of the map (libbpf 1.1's copy of .bss is not the
			 * map's memory once loaded); the map is mmapable when libbpf
			 * made it so. */
			if (!percpu && (bpf_map__map_flags(m) & BPF_F_MMAPABLE) &&
			    bpf_map__value_size(m) >= 2 * sizeof(uint64_t)) {
				size_t len = (size_t)sysconf(_SC_PAGESIZE);
				void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s->map_fds[i], 0);
				if (mem != MAP_FAILED) {
					s->stop_map = mem;
					s->stop_map_len = len;
					s->stop_flag = (volatile uint64_t *)((char *)mem + sizeof(uint64_t));
				}
			}
		}
	}
	return 0;
}

int rt_session_map_fd(const struct rt_session *s, uint32_t i)
{
	return s->map_fds && i < s->d->nmaps ? s->map_fds[i] : -1;
}

const struct rt_timing *rt_session_timing(const struct rt_session *s)
{
	return &s->t;
}

/* ------------------------------------------------------------------------
 * Signals: SIGINT and SIGTERM count in `signalled` and write to a pipe the
 * loop polls, so a signal wakes it at once whatever it was waiting for
 * (epoll_wait and poll return EINTR whatever SA_RESTART says). SA_RESTART:
 * a write to a slow reader goes on instead of failing with EINTR, which
 * stdio would count as an error and lose the buffer.
 * ---------------------------------------------------------------------- */

static volatile sig_atomic_t usr1;

static void on_signal(int sig)
{
	int e = errno;
	if (sig == SIGUSR1)
		usr1 = 1;
	else
		signalled++;
	if (sig_pipe[1] >= 0) {
		ssize_t r = write(sig_pipe[1], "", 1);
		(void)r;
	}
	errno = e;
}

static int handlers_install(struct rt_session *s)
{
	if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	signalled = usr1 = 0;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
	sigaction(SIGUSR1, &sa, &s->old_usr1);
	s->handlers = true;
	return 0;
}

static void handlers_restore(struct rt_session *s)
{
	if (!s->handlers)
		return;
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
	sigaction(SIGUSR1, &s->old_usr1, NULL);
	s->handlers = false;
	sig_drain();
}

/* ------------------------------------------------------------------------
 * Attach and BEGIN/END.
 * ---------------------------------------------------------------------- */

/* BEGIN and END run once, now, through BPF_PROG_TEST_RUN on their raw_tp
 * program, as bpftrace >= 0.16 does (no uprobe on our own binary). */
static int run_special(struct rt_session *s, enum probe_type t)
{
	for (uint32_t i = 0; i < s->d->nprobes; i++) {
		if (s->d->probes[i].type != t)
			continue;
		LIBBPF_OPTS(bpf_test_run_opts, ro);
		if (bpf_prog_test_run_opts(bpf_program__fd(s->progs[i]), &ro)) {
			int e = errno;
			diag_plain(s->o.diag, DIAG_ERROR, "cannot run %s: %s", s->d->probes[i].name,
				   strerror(e));
			return -e;
		}
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size);
static int consume(struct rt_session *s);
static void stop(struct rt_session *s, enum stop_reason why, int code);

static bool only_begin_end(const struct desc *d)
{
	for (uint32_t i = 0; i < d->nprobes; i++)
		if (d->probes[i].type != PROBE_BEGIN && d->probes[i].type != PROBE_END &&
		    d->probes[i].type != PROBE_BENCH)
			return false;
	return true;
}

/* --bench: each bench:NAME program, in order, through BPF_PROG_TEST_RUN,
 * its repeats raised until one call takes a millisecond in all (bpftrace's
 * steps); what it prints is dropped. A program that returns non-zero skips
 * its bench. Then the run stops, as after exit(). */
static int run_benches(struct rt_session *s)
{
	const struct desc *d = s->d;
	const char **names = xcalloc(d->nprobes ? d->nprobes : 1, sizeof(*names));
	size_t n = 0, index = 0;
	for (uint32_t i = 0; i < d->nprobes; i++)
		if (d->probes[i].type == PROBE_BENCH)
			names[n++] = d->probes[i].func ? d->probes[i].func : d->probes[i].name;
	int err = 0;
	for (uint32_t i = 0; i < d->nprobes && !err; i++) {
		if (d->probes[i].type != PROBE_BENCH)
			continue;
		uint64_t iters = 1;
		for (;;) {
			/* an XDP run wants a packet of at least an Ethernet header */
			char pkt[14] = { 0 };
			LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = pkt, .data_size_in = sizeof(pkt),
				    .repeat = (int)iters);
			if (bpf_prog_test_run_opts(bpf_program__fd(s->progs[i]), &ro)) {
				err = -errno;
				diag_plain(s->o.diag, DIAG_ERROR, "cannot run %s: %s", d->probes[i].name,
					   strerror(-err));
				break;
			}
			s->discard = true;
			consume(s);
			s->discard = false;
			if (ro.retval)
				break;
			uint64_t total = (uint64_t)ro.duration * iters;
			if (total < 1000 || total < 1000000) {
				iters *= total < 1000 ? 1000 : total < 10000 ? 100 : total < 100000 ? 10 : 2;
				if (iters <= INT32_MAX)
					continue;
			}
			out_bench_result(s->sink, names, n, index, ro.duration, iters);
			break;
		}
		index++;
	}
	free(names);
	if (!err)
		stop(s, STOP_EXIT, 0);
	return err;
}

int rt_session_attach(struct rt_session *s)
{
	const struct desc *d = s->d;
	int err;

	if (s->o.pid && (s->proc_fd = rt_proc_open(s->o.pid, s->o.diag)) < 0)
		return s->proc_fd;
	if ((err = handlers_install(s))) {
		diag_plain(s->o.diag, DIAG_ERROR, "cannot create a pipe: %s", strerror(-err));
		return err;
	}

	if (d->ringbuf_map >= 0) {
		s->rb = ring_buffer__new(s->map_fds[d->ringbuf_map], on_record, s, NULL);
		if (!s->rb) {
			int e = errno;
			diag_plain(s->o.diag, DIAG_ERROR, "cannot map the ring buffer: %s", strerror(e));
			return -e;
		}
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN };
	if (s->rb) {
		ev.data.u32 = SRC_RING;
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(s->rb), &ev);
	}
	ev.data.u32 = SRC_SIGNAL;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, sig_pipe[0], &ev);
	ev.data.u32 = SRC_PROC;
	if (s->proc_fd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->proc_fd, &ev);
	if (s->child.pidfd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->child.pidfd, &ev);

	/* Mount tracefs before the first tracepoint needs it, once. */
	for (uint32_t i = 0; i < d->nprobes; i++)
		if (d->probes[i].type == PROBE_TRACEPOINT && rt_tracefs_events(s->o.diag) < 0)
			return -ENOENT;

	/* BEGIN runs before any other probe is attached, as in bpftrace (0.17
	 * and current): what it stores (@start = nsecs) is there before the
	 * first event, and an interval:s:1 fires a whole second after it. Its
	 * output is printed after the attach message, as there. */
	double t0 = now_ms();
	if (!s->o.dry_run && (err = run_special(s, PROBE_BEGIN)))
		return err;
	s->t.begin = now_ms() - t0;

	unsigned skipped = 0;
	struct rt_attach_ctx ac = { .d = s->o.diag, .pid = s->child.pid ? s->child.pid : s->o.pid,
				    .dry_run = s->o.dry_run, .missing = s->o.missing_probes,
				    .skipped = &skipped };
	t0 = now_ms();
	/* The kernel runs the programs on one uprobe newest first, so those
	 * providers attach after the others and last probe first: blocks on
	 * one function then run in the order they are written, as in bpftrace
	 * (its tests depend on it). */
	/* --bench: only BEGIN, the benches and END run, as in bpftrace */
	for (int pass = 0; pass < 2 && !s->o.bench; pass++) {
		for (uint32_t k = 0; k < d->nprobes; k++) {
			uint32_t i = pass ? d->nprobes - 1 - k : k;
			if (rt_attach_reversed(d->probes[i].type, d->probes[i].func) != (pass == 1))
				continue;
			if (signalled)
				return -EINTR;
			if (bpf_program__fd(s->progs[i]) < 0)
				continue;     /* --dry-run: a program this kernel refused to load */
			if (d->probes[i].sysdisp == DESC_SYSDISP_MEMBER) {
				s->t.probes++;  /* served by its lead's dispatch program */
				continue;
			}
			if (d->probes[i].deferred || d->probes[i].multi_member)
				continue;     /* attached by a setup uprobe's report (watch.c), or by its
				               * group's uprobe_multi link */
			/* --dry-run: every probe is tried, each failure one warning */
			if ((err = rt_probe_attach(&ac, &d->probes[i], s->progs[i], &s->links)) &&
			    !s->o.dry_run && s->o.missing_probes == RT_MISSING_ERROR)
				return err;
			if (!err && !d->probes[i].extra_site)
				s->t.probes += d->probes[i].multi_n > 1 ? d->probes[i].multi_n : 1;
			s->t.probes -= skipped;
			skipped = 0;
		}
	}
	for (uint32_t i = 0; i < d->nprobes && s->o.bench; i++)
		s->t.probes += d->probes[i].type == PROBE_BEGIN || d->probes[i].type == PROBE_END ||
			       d->probes[i].type == PROBE_BENCH;
	s->t.attach = now_ms() - t0;
	s->t.links = s->links.n;
	if (s->o.verbose)
		fprintf(stderr, "hawk: load %.1f ms, attach %.1f ms (%u probes, %u links)\n",
			s->t.load, s->t.attach, s->t.probes, s->t.links);

	if (!s->o.quiet)
		emit_attached(s, s->t.probes);
	fflush(s->out);
	if (s->o.notify)
		fputs(RT_NOTIFY_TOKEN "\n", stderr);
	/* bpftrace's test hook: its runtime suite and tools wait for this
	 * line, on stderr as bpftrace prints it (on stdout it broke every
	 * upstream case that parses -f json output) */
	const char *bt = getenv(RT_BPFTRACE_NOTIFY);
	if (bt && *bt)
		fputs(RT_BPFTRACE_NOTIFY "\n", stderr);
	if (s->o.dry_run)
		return 0;
	/* BEGIN's output now, and no -c command when BEGIN called exit(). */
	consume(s);
	if (s->o.bench) {
		fflush(s->out);
		return s->stop == STOP_NONE ? run_benches(s) : 0;
	}
	/* iter probes print their rows now, then the run ends (bpftrace's way). */
	if (s->stop == STOP_NONE) {
		int walked = rt_links_run_iters(&s->links, s->o.diag);
		if (walked < 0)
			return walked;
		if (walked > 0) {
			/* the rows are in the ring buffer: print them before the
			 * stop, after which records are dropped */
			consume(s);
			stop(s, STOP_EXIT, 0);
		}
	}
	/* Current bpftrace (0.24): a program of BEGIN and END probes alone has
	 * nothing left to wait for once BEGIN's output is out (0.17 waited for
	 * Ctrl-C). With -c or -p it waits for that process to end. */
	if (s->stop == STOP_NONE && !s->o.cmd && !s->o.pid && only_begin_end(d))
		stop(s, STOP_EXIT, 0);
	if (s->stop == STOP_NONE && s->child.pid && (err = rt_child_start(&s->child, s->o.diag)))
		return err;
	return 0;
}

/* ------------------------------------------------------------------------
 * The loop.
 * ---------------------------------------------------------------------- */

static void stop(struct rt_session *s, enum stop_reason why, int code)
{
	if (s->stop != STOP_NONE)
		return;
	s->stop = why;
	s->exit_code = code;
	s->stopped_at = now_ms();
}

/* exit(code): the code is the record's first argument, else 0. */
static int exit_code_of(const struct desc_event *ev, const void *data, size_t size)
{
	uint32_t off = ev->nargs ? ev->args[0].offset : (uint32_t)sizeof(struct desc_event_hdr);
	int64_t code = 0;
	if (off + sizeof(code) <= size)
		memcpy(&code, (const char *)data + off, sizeof(code));
	return (int)code;
}

static void check_lost(struct rt_session *s);
static int64_t lost_total(struct rt_session *s);

static int on_record(void *ctx, void *data, size_t size)
{
	struct rt_session *s = ctx;
	const struct desc_event_hdr *h = data;
	if (size < sizeof(*h) || h->id >= s->d->nevents) {
		if (!s->bad_record)
			diag_plain(s->o.diag, DIAG_WARNING, "internal: a ring buffer record of %zu "
				   "bytes with unknown id %u", size, size >= sizeof(*h) ? h->id : 0);
		s->bad_record = true;
		return 0;
	}
	if (s->discard)
		return 0;
	if (s->cut_short && interrupted(s) && !(++s->batch % 1024)) {
		/* a further signal during the drain: the rest is dropped */
		s->discard = true;
		return 0;
	}
	const struct desc_event *ev = &s->d->events[h->id];
	if (ev->kind == DESC_EV_EXIT) {
		if (s->draining)
			return 0;
		stop(s, STOP_EXIT, exit_code_of(ev, data, size));
		/* the lost count when exit() made its record (cg_emit_exit);
		 * an older artifact's record lacks it: the count now */
		int64_t lost = lost_total(s);
		s->lost_at_exit = lost > 0 ? (uint64_t)lost : 0;
		if (size >= 24)
			memcpy(&s->lost_at_exit, (const char *)data + 16, sizeof(s->lost_at_exit));
		return STOP_RECORD;
	}
	int err = emit_event(s, ev, data, size);
	if (err || s->draining || ++s->batch % 1024)
		return err;
	/* ring_buffer__consume returns only once the ring is empty, which a
	 * producer faster than us postpones forever: look up now and then. */
	if (signalled) {
		stop(s, STOP_SIGNAL, 0);
		return STOP_RECORD;
	}
	double now = now_ms();
	if (now - s->lost_checked >= 100) {
		check_lost(s);
		s->lost_checked = now;
	}
	return 0;
}


/* "Lost N events" whenever the BPF side's count of failed submits grew;
 * a user map that filled up, once. */
/* The events the ring buffer had no room for so far, or -1. */
static int64_t lost_total(struct rt_session *s)
{
	const struct desc *d = s->d;
	if (d->lost_map < 0 || !s->lost_buf)
		return -1;
	uint32_t key = 0;
	if (bpf_map_lookup_elem(s->map_fds[d->lost_map], &key, s->lost_buf))
		return -1;
	/* The count is the value's first u64 on each CPU (one for a global). */
	uint64_t total = 0;
	for (uint32_t i = 0; i < s->lost_ncpu; i++) {
		uint64_t v;
		memcpy(&v, (const char *)s->lost_buf + (size_t)i * s->lost_stride, sizeof(v));
		total += v;
	}
	return (int64_t)total;
}

/* A keyed map of one entry flags a refused update in .bss, after the lost
 * count and the stop flag (cg_map_update): from the map alone, full with
 * its one key, no refusal shows. */
static bool refused_update(const struct rt_session *s, uint32_t i)
{
	const struct desc_map *m = &s->d->maps[i];
	if (m->role != DESC_MAP_USER || m->scalar || m->max_entries != 1 || !s->stop_map ||
	    s->d->lost_map < 0 || s->d->maps[s->d->lost_map].value_size < 16 + 8 * (i + 1) ||
	    16 + 8 * (size_t)(i + 1) > s->stop_map_len)
		return false;
	return *(volatile uint64_t *)((char *)s->stop_map + 16 + 8 * (size_t)i) != 0;
}

static void check_lost(struct rt_session *s)
{
	const struct desc *d = s->d;
	int64_t got = lost_total(s);
	if (got < 0)
		return;
	uint64_t total = (uint64_t)got - s->lost_ignored;
	if (total > s->lost_reported) {
		fflush(s->out);
		emit_lost(s, total - s->lost_reported);
		s->lost_reported = total;
	}
	for (uint32_t i = 0; i < d->nmaps; i++) {
		const struct desc_map *m = &d->maps[i];
		if (s->full_told[i] || !(map_is_full(s, m) || refused_update(s, i)))
			continue;
		s->full_told[i] = true;
		fflush(s->out);
		/* once a map, not once an update (current bpftrace's words lead) */
		diag_plain(s->o.diag, DIAG_WARNING, "Map full; can't update element: map %s is full "
			   "(%u keys): updates that add a key are dropped; raise the limit with "
			   "BPFTRACE_MAP_KEYS_MAX=N (or HAWK_MAP_KEYS_MAX), or in a declaration: let %s = hash(N)",
			   m->name, m->max_entries, m->name);
	}
}

static int consume(struct rt_session *s)
{
	if (!s->rb)
		return 0;
	int n = ring_buffer__consume(s->rb);
	if (s->o.buffer == RT_BUFFER_LINE)
		fflush(s->out);
	if (n < 0 && n != STOP_RECORD) {
		diag_plain(s->o.diag, DIAG_ERROR, "reading the ring buffer: %s", strerror(-n));
		stop(s, STOP_ERROR, 1);
		return n;
	}
	if (out_failed(s))
		stop(s, STOP_ERROR, 1);
	return 0;
}

/* SIGUSR1: the self:signal:SIGUSR1 probes when the program has any
 * (bpftrace >= 0.22), else every map, as bpftrace 0.17 prints them (no
 * "\n\n" first). */
static void on_usr1(struct rt_session *s)
{
	bool self = false;
	for (uint32_t i = 0; i < s->d->nprobes; i++)
		self |= s->d->probes[i].type == PROBE_SELF;
	if (self)
		run_special(s, PROBE_SELF);
	else
		out_maps_at_exit(s->sink, s->d, (uint32_t)libbpf_num_possible_cpus(), read_map, s);
	consume(s);
	fflush(s->out);
}

int rt_session_loop(struct rt_session *s, int timeout_ms)
{
	double deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;
	if (s->o.dry_run)
		return 0;
	while (s->stop == STOP_NONE) {
		/* Records submitted with BPF_RB_NO_WAKEUP wake nobody: read on
		 * every pass, timeout or not. */
		consume(s);
		if (s->stop != STOP_NONE)
			break;
		double now = now_ms();
		if (now - s->lost_checked >= 100) {
			check_lost(s);
			s->lost_checked = now;
		}
		if (signalled) {
			stop(s, STOP_SIGNAL, 0);
			break;
		}
		if (usr1) {
			usr1 = 0;
			on_usr1(s);
		}
		int wait = s->o.poll_ms;
		if (timeout_ms >= 0) {
			if (now >= deadline)
				break;
			if (deadline - now < wait)
				wait = (int)(deadline - now) + 1;
		}
		struct epoll_event evs[4];
		int n = epoll_wait(s->epfd, evs, 4, wait);
		int e = errno;   /* note_pids opens /proc files: a gone pid's ENOENT is not ours */
		note_pids(s);
		if (n < 0 && e != EINTR) {
			diag_plain(s->o.diag, DIAG_ERROR, "epoll_wait: %s", strerror(e));
			stop(s, STOP_ERROR, 1);
			return -e;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == SRC_SIGNAL) {
				/* Emptied, or a SIGUSR1 would keep the pipe readable. */
				char buf[64];
				while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
					;
			}
			if (evs[i].data.u32 == SRC_PROC) {
				/* The -c child or the -p process ended. */
				if (s->child.pid && rt_child_exited(&s->child))
					stop(s, STOP_CHILD, 0);
				else if (!s->child.pid)
					stop(s, STOP_PID, 0);
			}
		}
	}
	return 0;
}

/* A watchpoint's setup uprobe stops the process until user space has set
 * the breakpoint; one that fired after the last record was read (exit(),
 * a signal, --dry-run) would leave a -p process stopped for good. */
static void release_watched(struct rt_session *s)
{
	pid_t pid = s->child.pid ? s->child.pid : s->o.pid;
	if (pid <= 0)
		return;
	for (uint32_t i = 0; i < s->d->nprobes; i++)
		if (s->d->probes[i].type == PROBE_WATCHPOINT && s->d->probes[i].deferred) {
			kill(pid, SIGCONT);
			return;
		}
}

/* After exit(), how long user-space probes run on before the stop flag
 * stops them (see rt_session_finish). */
#define EXIT_GRACE_MS 10

/* Whether the program probes user space: those probes fire in step with
 * the traced process's own work, which goes on after exit(). */
static bool probes_user_space(const struct desc *d)
{
	for (uint32_t i = 0; i < d->nprobes; i++)
		if (d->probes[i].type == PROBE_UPROBE || d->probes[i].type == PROBE_URETPROBE ||
		    d->probes[i].type == PROBE_USDT)
			return true;
	return false;
}

int rt_session_finish(struct rt_session *s)
{
	if (s->stop == STOP_NONE)
		stop(s, STOP_SIGNAL, 0);
	/* Only a signal from now on interrupts END, the drain and the maps. */
	s->sig_base = signalled;
	sig_drain();
	/* 1. The producers stopped: the flag every probe checks first, so the
	 * event stream ends now; detaching them waits for the kernel (~75 ms
	 * a tracepoint, seconds for hundreds), so it comes after the output,
	 * handed to a detached process (rt_links_release). Without the flag
	 * (a kernel that cannot map .bss), detached now, in parallel. */
	double t0 = now_ms();
	if (s->stop_flag) {
		/* After exit(), bpftrace's probes run on until detached (75 ms
		 * and more for uprobes): a burst of calls the process was in the
		 * middle of is counted whole. Upstream's intcast case (0.17 and
		 * HEAD) counts a loop's 221 uretprobe firings after the first
		 * exit(), about 0.2 ms of work here. A short grace keeps that for
		 * user-space probes; timer and tracepoint programs stop at once
		 * (an interval:ms:1 would fire ten times more). */
		if (s->stop == STOP_EXIT && s->links.n && probes_user_space(s->d))
			usleep(EXIT_GRACE_MS * 1000);
		*s->stop_flag = 1;
	} else
		rt_links_destroy(&s->links);
	rt_watches_free(&s->watches);
	release_watched(s);
	s->t.detach = now_ms() - t0;
	int status = s->stop == STOP_ERROR ? 1 : s->exit_code;
	if (!s->o.dry_run) {
		/* 2. What the probes submitted before they were detached. After
		 * exit() it is dropped, as bpftrace does: exit() ends the output
		 * at its record. After a signal or the -c/-p process's end it is
		 * printed, unless a further signal comes meanwhile. */
		s->draining = true;
		s->discard = s->stop == STOP_EXIT;
		s->cut_short = true;
		consume(s);
		s->discard = s->cut_short = false;
		/* What the ring had no room for after exit() made its record
		 * was output exit() drops anyway: a probe firing in a tight loop
		 * while hawk attaches the rest would otherwise report millions
		 * lost that nobody would have seen. END's own losses count. */
		int64_t lost = lost_total(s);
		if (s->stop == STOP_EXIT && lost > 0 && (uint64_t)lost > s->lost_at_exit)
			s->lost_ignored = (uint64_t)lost - s->lost_at_exit;
		/* the maps as the probes left them: full ones said before END */
		check_lost(s);
		/* 3. END, and its records. */
		if (run_special(s, PROBE_END))
			status = 1;
		consume(s);
		check_lost(s);
		if (s->lost_reported)
			diag_plain(s->o.diag, DIAG_WARNING, "Total lost event count: %" PRIu64,
				   s->lost_reported);
		/* 5. The maps. */
		emit_maps(s);
	}
	fflush(s->out);
	if (out_failed(s))
		status = 1;
	rt_child_end(&s->child, CHILD_GRACE_MS);
	/* The output is done: unmap the ring buffer before the detached
	 * process is forked, or it inherits the mapping and keeps the map
	 * alive (an mmap holds no fd, so nothing would show who) until the
	 * kernel has finished detaching, seconds after hawk's exit. */
	ring_buffer__free(s->rb);
	s->rb = NULL;
	double t1 = now_ms();
	rt_links_release(&s->links);
	s->t.detach += now_ms() - t1;
	s->t.stop_to_done = now_ms() - s->stopped_at;
	if (s->o.verbose)
		fprintf(stderr, "hawk: detach %.1f ms (%u links), stop to done %.1f ms\n",
			s->t.detach, s->t.links, s->t.stop_to_done);
	return status;
}

void rt_session_free(struct rt_session *s)
{
	if (!s)
		return;
	rt_links_destroy(&s->links);
	rt_watches_free(&s->watches);
	rt_child_end(&s->child, CHILD_GRACE_MS);
	ring_buffer__free(s->rb);
	if (s->stop_map)
		munmap(s->stop_map, s->stop_map_len);
	bpf_object__close(s->obj);
	handlers_restore(s);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	for (uint32_t i = 0; i < s->d->nprobes && s->logs; i++)
		free(s->logs[i]);
	free(s->logs);
	free(s->progs);
	free(s->map_fds);
	free(s->full_told);
	free(s->lost_buf);
	libbpf_set_print(lp.old);
	out_sink_free(s->sink);
	rt_usyms_free(s->usyms);
	if (s->out && s->out != s->dest)
		fclose(s->out);
	free(s);
}

int rt_run(const struct desc *d, const struct rt_opts *o)
{
	struct rt_opts opts = *o;
	const char *env = getenv("HAWK_NOTIFY_ATTACHED");
	if (env && *env && strcmp(env, "0"))
		opts.notify = true;
	struct rt_session *s = NULL;
	int status = 1;
	if (rt_session_load(d, &opts, &s) == 0 && rt_session_attach(s) == 0 &&
	    rt_session_loop(s, -1) == 0)
		status = rt_session_finish(s);
	else if (s && signalled)
		status = 0;           /* interrupted while attaching: not an error */
	/* The run is over and hawk only tears down and exits: a Ctrl-C now must
	 * not turn a clean end into a death by signal (rt_session_free has put
	 * the default action back; under ASan, LSan's exit scan made that window
	 * wide enough for robust.test's second SIGINT to land in it). */
	rt_session_free(s);
	if (s) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	}
	return status;
}
