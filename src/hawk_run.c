/* hawk-run: the LLVM-free runtime: runs an artifact made by `hawk --aot FILE`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "common/arena.h"
#include "common/config.h"
#include "common/diag.h"
#include "probes/btf.h"
#include "probes/list.h"
#include "runtime/aot.h"
#include "runtime/params.h"
#include "runtime/run.h"
#include "runtime/settings.h"

/* No parser, no semantic passes, no LLVM: only the runtime, the printers and
 * the probe records (meson.build links exactly those). */

static const char usage[] =
	"USAGE: hawk-run [options] ARTIFACT [ARGS...]\n"
	"       hawk-run -l [PATTERN]   list this machine's probes (as hawk -l)\n"
	"Runs a program compiled with `hawk --aot ARTIFACT SCRIPT`; output as `hawk SCRIPT`.\n"
	"ARGS are the positional parameters $1, $2, ... (none: the compile's).\n"
	"    -o FILE       write events and maps to FILE\n"
	"    -f FORMAT     text (default), json or folded\n"
	"    --flamegraph FILE  also draw the maps keyed by stacks as an SVG flame graph\n"
	"    -p PID        filter probes to PID, attach uprobes to it; stop when it exits\n"
	"    -l [PATTERN]  list the probes of this machine (its tracefs, BTF, kallsyms and\n"
	"                  binaries); -v: with their arguments\n"
	"    -B MODE       output buffering: line (default), full or none\n"
	"    -c CMD        run CMD once attached; stop when it exits\n"
	"    -q            no \"Attached N probes\"\n"
	"    -v            verbose: timings, libbpf's messages\n"
	"    --dry-run     load and attach, then detach\n"
	"    --no-warnings no runtime warnings\n"
	"    -h, --help    this text\n";

int main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "dry-run", no_argument, NULL, 'D' },
		{ "no-warnings", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "flamegraph", required_argument, NULL, 'F' },
		{ "pid", required_argument, NULL, 'p' },
		{ 0, 0, 0, 0 },
	};
	struct rt_opts ro = { 0 };
	const char *output = NULL, *flamegraph = NULL;
	bool list = false;
	bool warnings = true;
	int c;
	while ((c = getopt_long(argc, argv, "+o:f:B:c:p:lqvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'f':
			if (!strcmp(optarg, "json"))
				ro.format = RT_FORMAT_JSON;
			else if (!strcmp(optarg, "folded"))
				ro.format = RT_FORMAT_FOLDED;
			else if (strcmp(optarg, "text")) {
				fprintf(stderr, "ERROR: -f: unknown format %s (text, json or folded)\n", optarg);
				return 1;
			}
			break;
		case 'B':
			if (!strcmp(optarg, "full"))
				ro.buffer = RT_BUFFER_FULL;
			else if (!strcmp(optarg, "none"))
				ro.buffer = RT_BUFFER_NONE;
			else if (strcmp(optarg, "line")) {
				fprintf(stderr, "ERROR: -B: unknown mode %s (line, full or none)\n", optarg);
				return 1;
			}
			break;
		case 'c': ro.cmd = optarg; break;
		case 'l': list = true; break;
		case 'F': flamegraph = optarg; break;
		case 'p': {
			char *end;
			long pid = strtol(optarg, &end, 10);
			if (end == optarg || *end || pid < 1 || pid > 4194304) {
				fprintf(stderr, "ERROR: -p: not a process id: %s\n", optarg);
				return 1;
			}
			if (kill((pid_t)pid, 0) && errno == ESRCH) {
				fprintf(stderr, "ERROR: -p %ld: no such process\n", pid);
				return 1;
			}
			ro.pid = (pid_t)pid;
			break;
		}
		case 'q': ro.quiet = true; break;
		case 'v': ro.verbose++; break;
		case 'D': ro.dry_run = true; break;
		case 'W': warnings = false; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 1;
		}
	}
	if (list) {
		/* the probes where the artifact runs, from that machine's own files */
		if (argc - optind > 1) {
			fprintf(stderr, "ERROR: -l takes one pattern\n");
			return 1;
		}
		struct diag *ld = diag_new(stderr);
		int err = rt_list(optind < argc ? argv[optind] : NULL, ro.verbose > 0, ro.pid, stdout, ld);
		diag_free(ld);
		return err ? 1 : 0;
	}
	if (optind == argc) {
		fprintf(stderr, "ERROR: no artifact given\n%s", usage);
		return 1;
	}
	const char *artifact = argv[optind];
	/* the run's parameters; none: the compile's */
	ro.params = argv + optind + 1;
	ro.nparams = argc - optind - 1 ? argc - optind - 1 : -1;
	struct cfg cfg;
	char err[256];
	cfg_init(&cfg);
	if (cfg_load_env(&cfg, err, sizeof(err))) {
		fprintf(stderr, "ERROR: %s\n", err);
		return 1;
	}
	rt_btf_set_path(cfg_str(&cfg, CFG_BTF));
	struct diag *dg = diag_new(stderr);
	diag_set_warnings(dg, warnings);
	struct arena *a = arena_new();
	int status = 1;
	uint32_t ncpus = 0;
	struct desc *d = aot_read(artifact, a, dg, &ncpus, &cfg);
	if (!d)
		goto out;
	/* Loops over the CPUs (a per-CPU map read as a value) are unrolled to
	 * the compiling machine's count. */
	int here = libbpf_num_possible_cpus();
	if (here > 0 && (uint32_t)here != ncpus) {
		diag_plain(dg, DIAG_ERROR, "%s was compiled for %u possible CPUs, this machine has %d: "
			   "compile it again here", artifact, ncpus, here);
		goto out;
	}
	if (rt_params_check(d, ro.params, ro.nparams, dg))
		goto out;
	FILE *out = NULL;
	if (output && !(out = fopen(output, "we"))) {
		diag_plain(dg, DIAG_ERROR, "cannot open %s for writing: %s", output, strerror(errno));
		goto out;
	}
	FILE *flame = NULL;
	if (flamegraph && !(flame = fopen(flamegraph, "we"))) {
		diag_plain(dg, DIAG_ERROR, "cannot open %s for writing: %s", flamegraph, strerror(errno));
		if (out)
			fclose(out);
		goto out;
	}
	ro.diag = dg;
	ro.out = out;
	ro.flamegraph = flame;
	ro.notify = getenv("HAWK_NOTIFY_ATTACHED") != NULL;
	if (!rt_apply_settings(d, &cfg, &ro))
		status = rt_run(d, &ro);
	if (out)
		fclose(out);
	if (flame)
		fclose(flame);
out:
	arena_free(a);
	diag_free(dg);
	return status;
}
