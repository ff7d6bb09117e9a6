/* run: load the BPF object, attach every probe, print events until a stop, then tear down. */
#ifndef HAWK_RT_RUN_H
#define HAWK_RT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/diag.h"
#include "common/desc.h"
#include "runtime/verifier.h"

enum rt_format { RT_FORMAT_TEXT, RT_FORMAT_JSON, RT_FORMAT_FOLDED };
enum rt_buffer { RT_BUFFER_LINE, RT_BUFFER_FULL, RT_BUFFER_NONE };

/* The user-space event loop wakes at least this often to read records the
 * BPF side submitted without a wakeup (BPF_RB_NO_WAKEUP): it bounds the
 * latency of a lone printf. */
#define RT_POLL_MS 10

/* cat() reads at most this many bytes of a file unless told otherwise
 * (bpftrace's max_cat_bytes). */
#define RT_CAT_BYTES_MAX 10240

/* The line printed on stderr once every probe is attached, when asked
 * (rt_opts.notify, or HAWK_NOTIFY_ATTACHED set in the environment); test
 * runners start their workload when they see it. */
#define RT_NOTIFY_TOKEN "__HAWK_PROBES_ATTACHED__"

/* bpftrace's twin: set in the environment, the same name is printed as the line. */
#define RT_BPFTRACE_NOTIFY "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

/* Strings and the diag are borrowed for the call. */
struct rt_opts {
	struct diag *diag;        /* errors, warnings, libbpf's messages; required */
	FILE *out;                /* events and maps (-o FILE); NULL: stdout */
	FILE *flamegraph;         /* --flamegraph FILE: stack maps drawn as an SVG at exit; or NULL */
	enum rt_format format;    /* -f */
	enum rt_buffer buffer;    /* -B: applied to out */
	bool quiet;               /* -q: no "Attached N probes" */
	unsigned verbose;         /* -v: timings, libbpf's info; the whole verifier log on a rejection */
	bool dump_libbpf;         /* -d libbpf: every libbpf message, on stderr */
	bool dump_verifier;       /* -d verifier: every program's verifier log, on stderr */
	pid_t pid;                /* -p PID: uprobes attach to it; the run stops when it exits */
	const char *cmd;          /* -c CMD: started once attached; the run stops when it exits */
	bool dry_run;             /* --dry-run: load and attach, then detach: no BEGIN/END, no events */
	bool bench;               /* --bench: after BEGIN, each bench: probe is timed, nothing attached */
	uint32_t log_size;        /* verifier log per program (log_size); 0: 1 MiB */
	uint64_t ringbuf_bytes;   /* the event ring buffer (perf_rb_pages), a power of 2; 0: codegen's */
	bool no_exit_maps;        /* print_maps_on_exit=0: END runs, maps are not printed */
	int missing_probes;       /* enum rt_missing (attach.h): missing_probes */
	bool notify;              /* print RT_NOTIFY_TOKEN on stderr once attached */
	int poll_ms;              /* 0: RT_POLL_MS */
	uint64_t cat_bytes_max;   /* 0: RT_CAT_BYTES_MAX */
	char *const *params;      /* an artifact's run: its positional parameters ... */
	int nparams;              /* ... and how many; -1: none given, the compile's are used */
};

/* Runs d: load, attach every probe in order, run BEGIN, print events until
 * exit(), SIGINT/SIGTERM, or the -c/-p process ending; then detach, run END,
 * drain, print the maps. Nothing stays loaded afterwards, whatever happened.
 * Returns the process exit status: exit()'s code, 0 on a signal, 1 after an
 * error (reported through o->diag). */
int rt_run(const struct desc *d, const struct rt_opts *o);

/* The same run in steps, for tests that look at maps between them. Each
 * step returns 0 or a negative errno after one error through o->diag;
 * rt_session_free releases everything whatever state the session is in. */
struct rt_session;

int rt_session_load(const struct desc *d, const struct rt_opts *o, struct rt_session **out);
/* Attach every probe, print "Attached N probes", notify, start -c's command, run BEGIN. */
int rt_session_attach(struct rt_session *s);
/* Print events until a stop (or, with timeout_ms >= 0, until it passes). */
int rt_session_loop(struct rt_session *s, int timeout_ms);
/* The exit sequence: detach, END, drain, maps. Returns the exit status. */
int rt_session_finish(struct rt_session *s);
void rt_session_free(struct rt_session *s);

/* The fd of map i of the desc, after load; -1 if absent. */
int rt_session_map_fd(const struct rt_session *s, uint32_t i);

/* Where the time went, in milliseconds (for -v and tests). */
struct rt_timing {
	double open, load, attach, begin;
	double detach;            /* every link destroyed */
	double stop_to_done;      /* the stop (exit event, signal) to the end of finish */
	unsigned probes, links;
};
const struct rt_timing *rt_session_timing(const struct rt_session *s);

#endif
