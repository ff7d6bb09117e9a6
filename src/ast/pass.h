/* pass: the front-end passes share one signature and run as one ordered list (driver.c). */
#ifndef HAWK_PASS_H
#define HAWK_PASS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/arch.h"
#include "common/arena.h"
#include "common/config.h"
#include "common/diag.h"
#include "ast/ast.h"

struct sema;
struct cdefs;

struct pass_ctx {
	struct arena *arena;
	struct diag *diag;
	struct ast *prog;
	char *const *params;   /* positional parameters $1..$N */
	int nparams;
	const char *const *named;   /* the program's options after --: "name=value" or "name" */
	int nnamed;
	bool aot;              /* --aot: parameters read as values are set at load */
	enum arch arch;        /* --target-arch: whose struct pt_regs the programs read */
	uint64_t params_fixed; /* bit N-1: $N's value shaped the code (folded by sema) */
	bool unsafe;
	const char *probe_filter;  /* --probe-filter: an extended regular expression, or NULL */
	bool child;            /* -c CMD: `cpid` has a value (set at load) */
	struct cfg *cfg;       /* the settings (config.h), config blocks applied; NULL: the defaults */
	struct sema *sema;     /* filled by the expansion and type passes */
	uint64_t start_ns;     /* CLOCK_BOOTTIME at start: `elapsed` counts from it */
	int ncpus;             /* possible CPUs: `ncpus` */
	pid_t pid;             /* -p PID, else 0: uprobe and usdt targets are looked up in it */
	const char *cmd;       /* -c CMD, else NULL: watchpoint:FUNC+argN finds FUNC in its program */
	const char *script_path;            /* the script file, NULL for -e */
	const char *const *include_dirs;    /* -I */
	unsigned ninclude_dirs;
	const char *const *includes;        /* --include */
	unsigned nincludes;
	struct cdefs *cdefs;   /* the C namespace (cdefs.h), filled by the cdefs pass */
};

struct pass {
	const char *name;       /* also the -d stage that dumps after it, when dump != NULL */
	unsigned (*run)(struct pass_ctx *ctx);   /* returns the number of errors */
};

#endif
