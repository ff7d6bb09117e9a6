/* list_main: rt_list and rt_list_program from the command line, until the CLI wires -l. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "parser/parse.h"
#include "runtime/list.h"

static const char usage[] = "usage: list_main [-v] [-p PID] [-e PROGRAM | PATTERN]\n";

int main(int argc, char **argv)
{
	bool verbose = false;
	pid_t pid = 0;
	const char *prog = NULL;
	int c;
	while ((c = getopt(argc, argv, "vp:e:h")) != -1) {
		switch (c) {
		case 'v': verbose = true; break;
		case 'p': pid = (pid_t)atoi(optarg); break;
		case 'e': prog = optarg; break;
		default: fputs(usage, stderr); return 2;
		}
	}
	struct diag *d = diag_new(stderr);
	int err;
	if (prog) {
		struct arena *a = arena_new();
		uint16_t file = diag_source_add(d, "stdin", prog, strlen(prog));
		struct ast *p = parse_program(a, d, file);
		if (!p || ap_parse_program(p, a, d, NULL, 0)) {
			diag_free(d);
			return 1;
		}
		err = rt_list_program(p, verbose, pid, stdout, d);
		arena_free(a);
	} else {
		err = rt_list(optind < argc ? argv[optind] : NULL, verbose, pid, stdout, d);
	}
	diag_free(d);
	return err ? 1 : 0;
}
