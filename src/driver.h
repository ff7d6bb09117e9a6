/* driver: one compilation from options to exit status; main.c is a thin CLI over it. */
#ifndef HAWK_DRIVER_H
#define HAWK_DRIVER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/arch.h"

/* "0.1.0": the meson project version. */
extern const char drv_version[];

enum drv_format { DRV_FORMAT_TEXT, DRV_FORMAT_JSON, DRV_FORMAT_FOLDED };
enum drv_buffer { DRV_BUFFER_LINE, DRV_BUFFER_FULL, DRV_BUFFER_NONE };

/* The -d stages, one bit each. DRV_DUMP_ALL is every stage. */
enum drv_dump {
	DRV_DUMP_PARSE    = 1u << 0,   /* tree straight after parsing */
	DRV_DUMP_AST      = 1u << 1,   /* tree after the attach points are split */
	DRV_DUMP_TYPES    = 1u << 2,
	DRV_DUMP_IR       = 1u << 3,
	DRV_DUMP_CODEGEN  = 1u << 4,
	DRV_DUMP_BPF      = 1u << 5,
	DRV_DUMP_LIBBPF   = 1u << 6,
	DRV_DUMP_VERIFIER = 1u << 7,
	DRV_DUMP_ALL      = (1u << 8) - 1,
};

/* Every command-line option. Strings are borrowed (from argv or the
 * caller); the two growable arrays are owned and freed by drv_opts_free. */
struct drv_opts {
	const char *prog_text;      /* -e PROG */
	const char *script;         /* FILE, or "-" for stdin */
	char **params;              /* positional parameters $1..$N (borrowed array) */
	int nparams;
	const char **named;         /* --NAME[=VALUE] after --, without the dashes (getopt()) */
	int nnamed;

	bool list;                  /* -l [PATTERN] */
	const char *list_pattern;
	unsigned verbose;           /* -v, repeatable */
	bool has_pid;               /* -p PID */
	pid_t pid;
	const char *cmd;            /* -c CMD */
	const char *flamegraph;     /* --flamegraph FILE */
	const char *debuginfo[8];   /* --debuginfo DIR[:DIR], repeatable */
	unsigned ndebuginfo;
	const char *output;         /* -o FILE */
	enum drv_format format;     /* -f text|json */
	bool format_set;
	enum drv_buffer buffer;     /* -B line|full|none */
	bool buffer_set;
	bool quiet;                 /* -q */
	unsigned warnings_k;        /* -k, repeatable */
	bool no_warnings;           /* --no-warnings */
	unsigned dump;              /* -d STAGE[,STAGE]: enum drv_dump bits */
	bool dry_run;               /* --dry-run */
	bool unsafe;                /* --unsafe */
	bool bench;                 /* --bench, --mode bench: run the bench: probes */
	const char **include_dirs;  /* -I DIR, repeatable */
	int ninclude_dirs;
	const char **includes;      /* --include FILE, repeatable */
	int nincludes;
	bool check;                 /* -n, --check: front end only */
	bool syntax_only;           /* --syntax-only: grammar and attach points only */
	const char *emit_elf;       /* --emit-elf FILE */
	const char *emit_llvm;      /* --emit-llvm FILE */
	const char *aot;            /* --aot FILE: write the artifact (runtime/aot.h), run nothing */
	enum arch arch;             /* --target-arch: the machine the programs are for */
	bool btf;                   /* -b, --btf: accepted, no effect (as in bpftrace) */
	const char *probe_filter;   /* --probe-filter RE: only the probes whose name matches */
};

void drv_opts_init(struct drv_opts *o);
void drv_opts_free(struct drv_opts *o);
void drv_opts_add_include_dir(struct drv_opts *o, const char *dir);
void drv_opts_add_include(struct drv_opts *o, const char *file);

/* Adds the stages of a comma-separated -d argument to o->dump. On an unknown
 * stage prints "ERROR: ..." and returns -1. */
int drv_parse_dump(struct drv_opts *o, const char *arg);

/* "ERROR: <message>" on stderr (coloured like every other diagnostic). */
void drv_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void drv_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs what the options ask for; returns the process exit status (0 or 1). */
int drv_run(struct drv_opts *o);

/* The whole compilation and nothing after it: the pass list, then codegen to
 * a BPF object in memory; nothing is loaded or attached (the fuzz target,
 * tests/fuzz/fuzz_compile.c). The program is named "stdin"; diagnostics go
 * to diag_out. Returns the number of errors. */
unsigned drv_compile(const struct drv_opts *o, const char *text, size_t len, FILE *diag_out);

/* --info: versions of hawk and its libraries, and the kernel release, on stdout. */
int drv_info(void);

#endif
