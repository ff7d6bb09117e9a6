/* actions: the events user space carries out itself, cat() and system(): bounded, and a signal stops them. */
#ifndef HAWK_RT_ACTIONS_H
#define HAWK_RT_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/diag.h"
#include "output/output.h"

/* Where the output goes and how a signal is seen; borrowed for the call. */
struct rt_act_ctx {
	struct out_sink *sink;
	FILE *out;                        /* flushed before a message, so they stay in order */
	struct diag *diag;
	bool json;                        /* -f json: system()'s output is one string */
	uint64_t cat_bytes_max;           /* 0: RT_CAT_BYTES_MAX */
	int sig_fd;                       /* readable once a signal came (the loop's pipe) */
	void (*sig_drain)(void);          /* empties it */
	bool (*interrupted)(void *arg);   /* a signal asks the action to stop */
	void *arg;
};

/* cat(path): at most cat_bytes_max bytes of the file, or bpftrace's
 * "failed to open file" error line. */
void rt_act_cat(const struct rt_act_ctx *c, const char *path);
/* system(cmd): the command through sh, its output printed as it comes. */
void rt_act_system(const struct rt_act_ctx *c, const char *cmd);

#endif
