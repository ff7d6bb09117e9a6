/* main: the hawk command line, a thin getopt layer over the driver. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/arch.h"
#include "driver.h"

static const char usage[] =
	"USAGE:\n"
	"    hawk [options] FILE [ARGS...]\n"
	"    hawk [options] - [ARGS...]          read the program from stdin\n"
	"    hawk [options] -e 'program' [ARGS...]\n"
	"    hawk -l [PATTERN]\n"
	"\n"
	"ARGS are the positional parameters $1, $2, ...; anything after -- is one too.\n"
	"\n"
	"OPTIONS:\n"
	"    -e PROG            program text\n"
	"    -n, --check        parse and check the program, run nothing (needs no root)\n"
	"    --syntax-only      check only the grammar and attach points (no tracefs, no BTF)\n"
	"    -l, --list         list probes matching PATTERN, or those of script FILE\n"
	"    -v, --verbose      verbose messages (with -l: show probe arguments)\n"
	"    -p, --pid PID      enable USDT probes on PID, filter probes to it\n"
	"    -c, --cmd CMD      run CMD and trace it, exit with it\n"
	"    -o, --output FILE  write program output to FILE\n"
	"    -f FORMAT          output format: text (default), json or folded\n"
	"                       (maps keyed by stacks: flame graph input)\n"
	"    --flamegraph FILE  also draw the maps keyed by stacks as an interactive SVG\n"
	"                       flame graph in FILE (at exit)\n"
	"    -B MODE            output buffering: line (default), full or none\n"
	"    -q, --quiet        no \"Attaching N probes\" message\n"
	"    -k, --warnings     report runtime errors of helpers (probe reads, map updates)\n"
	"    --no-warnings      suppress warnings\n"
	"    -d STAGE[,STAGE]   dump after a stage: parse, ast, types, ir, codegen, bpf,\n"
	"                       libbpf, verifier, all\n"
	"    --dry-run          load every program, attach what the kernel allows, exit\n"
	"    --bench, --mode bench\n"
	"                       run the bench:NAME probes and print each one's time\n"
	"    --unsafe           allow unsafe functions (system, signal, ...)\n"
	"    --probe-filter RE  run only the probes whose name matches the regular\n"
	"                       expression RE (and begin and end)\n"
	"    -I DIR             add DIR to the C include path (repeatable)\n"
	"    --include FILE     include a C header before the program (repeatable)\n"
	"    --emit-elf FILE    write the BPF ELF object to FILE\n"
	"    --aot FILE         compile only: write an artifact that hawk-run runs without LLVM\n"
	"    --target-arch ARCH compile for x86_64 (default here) or arm64: its pt_regs layout\n"
	"                       (argN, retval, reg(), USDT operands); another machine's program\n"
	"                       is only written (--aot, --emit-elf), never run here\n"
	"    --emit-llvm FILE   write the LLVM IR to FILE\n"
	"    -b, --btf          accepted for bpftrace compatibility; no effect\n"
	"    --verify-llvm-ir   accepted for bpftrace compatibility (the IR is always verified)\n"
	"    --debuginfo DIR[:DIR]  also look for separate debug files (DIR/.build-id/xx/id.debug,\n"
	"                       DIR/DEBUGLINK) there, before /usr/lib/debug (repeatable)\n"
	"    --usdt-file-activation  accepted: USDT semaphores are raised in every process that\n"
	"                       maps the file (the kernel's uprobe reference counter)\n"
	"    --info             print the build and the kernel's BPF features (bpftrace's wording)\n"
	"    -V, --version      print the version\n"
	"    -h, --help         print this help; after FILE, FILE's usage (its header comment)\n"
	"\n"
	"EXAMPLES:\n"
	"    hawk --check -e 'tracepoint:syscalls:sys_enter_openat { printf(\"%s\\n\", comm); }'\n"
	"    hawk -l 'tracepoint:syscalls:*'\n";

enum {
	OPT_NO_WARNINGS = 256,
	OPT_DRY_RUN,
	OPT_UNSAFE,
	OPT_INCLUDE,
	OPT_INFO,
	OPT_EMIT_ELF,
	OPT_EMIT_LLVM,
	OPT_SYNTAX_ONLY,
	OPT_VERIFY_LLVM_IR,
	OPT_USDT_FILE_ACTIVATION,
	OPT_DEBUGINFO,
	OPT_FLAMEGRAPH,
	OPT_AOT,
	OPT_PROBE_FILTER,
	OPT_TARGET_ARCH,
	OPT_MODE,
	OPT_BENCH,
};

static const struct option long_opts[] = {
	{ "list", no_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "pid", required_argument, NULL, 'p' },
	{ "cmd", required_argument, NULL, 'c' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "warnings", no_argument, NULL, 'k' },
	{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "unsafe", no_argument, NULL, OPT_UNSAFE },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "check", no_argument, NULL, 'n' },
	{ "syntax-only", no_argument, NULL, OPT_SYNTAX_ONLY },
	{ "emit-elf", required_argument, NULL, OPT_EMIT_ELF },
	{ "emit-llvm", required_argument, NULL, OPT_EMIT_LLVM },
	{ "btf", no_argument, NULL, 'b' },
	{ "verify-llvm-ir", no_argument, NULL, OPT_VERIFY_LLVM_IR },
	{ "usdt-file-activation", no_argument, NULL, OPT_USDT_FILE_ACTIVATION },
	{ "debuginfo", required_argument, NULL, OPT_DEBUGINFO },
	{ "flamegraph", required_argument, NULL, OPT_FLAMEGRAPH },
	{ "aot", required_argument, NULL, OPT_AOT },
	{ "probe-filter", required_argument, NULL, OPT_PROBE_FILTER },
	{ "target-arch", required_argument, NULL, OPT_TARGET_ARCH },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "bench", no_argument, NULL, OPT_BENCH },
	{ NULL, 0, NULL, 0 },
};

/* Leading ':' makes getopt return ':' for a missing argument and stay quiet. */
static const char short_opts[] = ":e:lvp:c:o:f:B:qkd:I:Vhnb";

/* The largest pid_max Linux allows (PID_MAX_LIMIT on 64-bit), as bpftrace checks. */
#define PID_LIMIT 4194304

/* -p: bpftrace's checks, in current bpftrace's words (0.17 said "pid '%s'
 * is not a valid decimal number" and "out of valid pid range"). */
static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *s == '-' || *s == '+' || *s == ' ') {
		drv_error("Failed to parse pid: invalid integer: %s", s);
		return -1;
	}
	if (*end) {
		drv_error("Failed to parse pid: invalid trailing bytes: %s", s);
		return -1;
	}
	if (errno || v < 1 || v > PID_LIMIT) {
		drv_error("Pid out of range: %s", s);   /* 1 to PID_LIMIT */
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

/* The option as the user wrote it, for messages. */
static const char *opt_text(char *const argv[], int optind_now, int opt, char *buf, size_t n)
{
	const char *arg = argv[optind_now - 1];
	if (!strncmp(arg, "--", 2)) {
		size_t len = strcspn(arg, "=");
		snprintf(buf, n, "%.*s", (int)len, arg);
	} else {
		snprintf(buf, n, "-%c", opt);
	}
	return buf;
}

/* Does option argv[i] (one of ours) take the next word as its argument? A short option
 * takes it when it ends its cluster (-vp 12), a long one when it has no '=' (--output F). */
static bool takes_next(const char *arg)
{
	if (!strncmp(arg, "--", 2)) {
		size_t n = strcspn(arg + 2, "=");
		if (arg[2 + n] == '=')
			return false;
		for (const struct option *l = long_opts; l->name; l++)
			if (!strncmp(l->name, arg + 2, n))   /* getopt_long takes prefixes */
				return l->has_arg == required_argument;
		return false;
	}
	for (const char *c = arg + 1; *c; c++) {
		const char *s = strchr(short_opts + 1, *c);
		if (s && s[1] == ':')
			return c[1] == '\0';   /* else the rest of the cluster is its argument */
	}
	return false;
}

/* `tool.bt -h` (through the shebang: `hawk tool.bt -h`) asks for the tool's usage, not
 * hawk's: -h or --help after the script's name, with no -e. getopt moves options before
 * the operands, so the order is read here, before it runs. Returns the script or NULL. */
static const char *help_for_script(int argc, char *argv[])
{
	const char *script = NULL, *help = NULL;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			if (!script)
				script = a;
			continue;
		}
		/* a short cluster (-qh, -eBEGIN...) up to an option that takes the rest: -e is
		 * a program text (no script), -h a help */
		for (const char *c = a + 1; a[1] != '-' && *c; c++) {
			if (*c == 'e')
				return NULL;
			if (*c == 'h' && script)
				help = a;
			const char *o = strchr(short_opts + 1, *c);
			if (o && o[1] == ':')
				break;
		}
		if (script && !strcmp(a, "--help"))
			help = a;
		if (takes_next(a))
			i++;
	}
	return help && strcmp(script, "-") ? script : NULL;
}

/* A script's usage is its header comment: the `//` lines after the `#!` line, or a leading
 * `/ * ... * /` block (bpftrace's own tools), printed without the comment marks. */
static int print_script_usage(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	bool block = false, any = false;

	if (!f) {
		drv_error("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line;
		if (!any && !block && !strncmp(s, "#!", 2))
			continue;
		if (block) {
			char *end = strstr(s, "*/");
			if (end)
				*end = '\0';
			s += strspn(s, " \t");
			if (*s == '*')
				s += 1 + (s[1] == ' ');
			if (*s || !end)
				fputs(s, stdout);
			if (end && !strchr(s, '\n'))
				putchar('\n');
			if (end)
				break;
			continue;
		}
		if (!strncmp(s, "//", 2)) {
			s += 2 + (s[2] == ' ');
			fputs(s, stdout);
			any = true;
		} else if (!any && !strncmp(s + strspn(s, " \t"), "/*", 2)) {
			s += strspn(s, " \t") + 2;
			s += strspn(s, " \t*");
			block = any = true;
			char *end = strstr(s, "*/");
			if (end) {
				*end = '\0';
				printf("%s\n", s);
				break;
			}
			if (s[strspn(s, " \t\n")])   /* text on the opening line */
				fputs(s, stdout);
		} else if (any || s[strspn(s, " \t\n")]) {
			break;
		}
	}
	fclose(f);
	if (!any)
		printf("USAGE: hawk %s [ARGS...]\n(%s has no header comment to describe its "
		       "parameters; ARGS are $1, $2, ...)\n", path, path);
	/* hawk's own options apply after the name too (getopt takes them from anywhere) */
	printf("hawk's options go with it (-o FILE, -f json, -p PID, -c CMD, -q; hawk -h lists "
	       "them).\n");
	return 0;
}

static int parse_args(int argc, char *argv[], struct drv_opts *o, int *exit_now)
{
	const char *script_help = help_for_script(argc, argv);
	char buf[64];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			/* given again, the last one is the program, as in bpftrace */
			/* bpftrace: "USAGE: filename or -e 'program' required." */
			if (!*optarg) {
				drv_error("-e: the program is empty: use -e PROG, a script FILE, or - to "
					  "read stdin (see --help)");
				return -1;
			}
			o->prog_text = optarg;
			break;
		case 'l': o->list = true; break;
		case 'v': o->verbose++; break;
		case 'p':
			if (parse_pid(optarg, &o->pid))
				return -1;
			o->has_pid = true;
			break;
		case 'c':
			if (!*optarg) {
				drv_error("-c: empty command");
				return -1;
			}
			o->cmd = optarg;
			break;
		case 'o': o->output = optarg; break;
		case 'f':
			if (!strcmp(optarg, "text")) {
				o->format = DRV_FORMAT_TEXT;
			} else if (!strcmp(optarg, "json")) {
				o->format = DRV_FORMAT_JSON;
			} else if (!strcmp(optarg, "folded")) {
				o->format = DRV_FORMAT_FOLDED;
			} else {
				drv_error("Invalid output format \"%s\"", optarg);   /* bpftrace's words; text, json or folded */
				return -1;
			}
			o->format_set = true;
			break;
		case 'B':
			if (!strcmp(optarg, "line")) {
				o->buffer = DRV_BUFFER_LINE;
			} else if (!strcmp(optarg, "full")) {
				o->buffer = DRV_BUFFER_FULL;
			} else if (!strcmp(optarg, "none")) {
				o->buffer = DRV_BUFFER_NONE;
			} else {
				drv_error("-B: unknown buffering mode '%s' (expected line, full or none)",
					  optarg);
				return -1;
			}
			o->buffer_set = true;
			break;
		case 'q': o->quiet = true; break;
		case 'k': o->warnings_k++; break;
		case 'd':
			if (drv_parse_dump(o, optarg))
				return -1;
			break;
		case 'I': drv_opts_add_include_dir(o, optarg); break;
		case 'n': o->check = true; break;
		case OPT_SYNTAX_ONLY: o->check = o->syntax_only = true; break;
		case 'b': o->btf = true; break;
		case 'V': {
			/* Run as `bpftrace` (a drop-in, a symlink of that name), the
			 * version scripts and test engines parse comes first. */
			const char *base = strrchr(argv[0], '/');
			base = base ? base + 1 : argv[0];
			if (!strcmp(base, "bpftrace"))
				printf("bpftrace v0.26.0 (hawk v%s)\n", drv_version);
			else
				printf("hawk v%s (the bpftrace v0.26 language)\n", drv_version);
			*exit_now = 1;
			return 0;
		}
		case 'h':
			*exit_now = 1;
			if (script_help)
				return print_script_usage(script_help);
			fputs(usage, stdout);
			return 0;
		case OPT_NO_WARNINGS: o->no_warnings = true; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_AOT: o->aot = optarg; break;
		case OPT_PROBE_FILTER: o->probe_filter = optarg; break;
		case OPT_TARGET_ARCH: {
			int a = arch_by_name(optarg);
			if (a < 0) {
				drv_error("--target-arch: unknown machine '%s' (x86_64 or arm64)", optarg);
				return -1;
			}
			o->arch = (enum arch)a;
			break;
		}
		case OPT_UNSAFE: o->unsafe = true; break;
		case OPT_BENCH: o->bench = true; break;
		case OPT_MODE:
			/* current bpftrace's --mode; hawk runs bench: probes */
			if (strcmp(optarg, "bench")) {
				drv_error("--mode: '%s' is not supported (hawk has --mode bench)", optarg);
				return -1;
			}
			o->bench = true;
			break;
		case OPT_INCLUDE: drv_opts_add_include(o, optarg); break;
		case OPT_INFO:
			drv_info();
			*exit_now = 1;
			return 0;
		case OPT_EMIT_ELF: o->emit_elf = optarg; break;
		case OPT_EMIT_LLVM: o->emit_llvm = optarg; break;
		/* current bpftrace's test engine passes it; hawk verifies its IR always */
		case OPT_VERIFY_LLVM_IR: break;
		/* semaphores are the kernel's uprobe reference counters, raised in
		 * every process that maps the file: file activation is always on */
		case OPT_USDT_FILE_ACTIVATION: break;
		case OPT_FLAMEGRAPH:
			o->flamegraph = optarg;
			break;
		case OPT_DEBUGINFO:
			if (o->ndebuginfo == sizeof(o->debuginfo) / sizeof(o->debuginfo[0])) {
				drv_error("--debuginfo: at most 8 (each may list DIR:DIR...)");
				return -1;
			}
			o->debuginfo[o->ndebuginfo++] = optarg;
			break;
		case ':':
			drv_error("option '%s' needs an argument (see --help)",
				  opt_text(argv, optind, optopt, buf, sizeof(buf)));
			return -1;
		case '?':
		default: {
			const char *arg = argv[optind - 1];
			if (!strncmp(arg, "--", 2) && optopt)   /* --check=1 */
				drv_error("option '%s' takes no argument (see --help)",
					  opt_text(argv, optind, optopt, buf, sizeof(buf)));
			else if (!strncmp(arg, "--", 2))
				drv_error("unknown option '%.*s'", (int)strcspn(arg, "="), arg);
			else
				drv_error("unknown option '-%c'", optopt);
			/* then the usage on stderr, as bpftrace prints it (scripts
			 * and its test suite look for "USAGE") */
			if (!(!strncmp(arg, "--", 2) && optopt))
				fputs(usage, stderr);
			return -1;
		}
		}
	}

	if (o->warnings_k && o->no_warnings) {
		drv_error("-k and --no-warnings cannot be used together");
		return -1;
	}

	/* What remains: [FILE|-] then the positional parameters, getopt having
	 * moved them to the end. With -e they are all parameters; with -l and no
	 * program, the one argument is the pattern. */
	char **rest = argv + optind;
	int nrest = argc - optind;
	if (o->list && !o->prog_text) {
		if (nrest > 1) {
			drv_error("-l takes one PATTERN, got %d arguments", nrest);
			return -1;
		}
		o->list_pattern = nrest ? rest[0] : NULL;
		/* Current bpftrace: an argument that names a file is a script
		 * whose probes are listed, as with -l -e PROG. */
		if (o->list_pattern && !access(o->list_pattern, F_OK)) {
			o->script = o->list_pattern;
			o->list_pattern = NULL;
			return 0;
		}
		/* ...and one that looks like a file name but names none is a
		 * pattern after a warning (bpftrace's words). */
		if (o->list_pattern && strchr(o->list_pattern, '.') && !strpbrk(o->list_pattern, ":*"))
			drv_warning("It appears that '%s' is a filename but the file does not exist. "
				    "Treating '%s' as a search pattern.", o->list_pattern, o->list_pattern);
		/* No probe, file or symbol name holds these: a pattern with one
		 * is a mistake (bpftrace 0.17: "invalid character"), not a
		 * search that quietly finds nothing. */
		for (const char *ch = o->list_pattern; ch && *ch; ch++) {
			unsigned char u = (unsigned char)*ch;
			if (u < 0x20 || u == 0x7f || strchr("\\{};", u)) {
				if (u < 0x20 || u == 0x7f)
					drv_error("invalid character (byte 0x%02x) in the probe pattern", u);
				else
					drv_error("invalid character '%c' in the probe pattern '%s'", u,
						  o->list_pattern);
				return -1;
			}
		}
		return 0;
	}
	if (!o->prog_text) {
		if (nrest == 0) {
			drv_error("no program given: use -e PROG, a script FILE, or - to read stdin "
				  "(see --help)");
			return -1;
		}
		o->script = rest[0];
		rest++;
		nrest--;
	}
	/* After --, an argument written --NAME or --NAME=VALUE is one of the
	 * program's own options, read by getopt() (current bpftrace); the
	 * others are the positional parameters. getopt_long has moved every
	 * non-option here, so an argument starting with -- came after --. */
	o->params = rest;
	o->nparams = 0;
	o->named = calloc((size_t)nrest + 1, sizeof(*o->named));
	if (!o->named)
		abort();
	for (int i = 0; i < nrest; i++) {
		if (!strncmp(rest[i], "--", 2) && rest[i][2])
			o->named[o->nnamed++] = rest[i] + 2;
		else
			rest[o->nparams++] = rest[i];
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct drv_opts o;
	int exit_now = 0, status;

	drv_opts_init(&o);
	if (parse_args(argc, argv, &o, &exit_now))
		status = 1;
	else if (exit_now)
		status = 0;
	else
		status = drv_run(&o);
	drv_opts_free(&o);
	return status;
}
