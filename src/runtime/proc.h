/* proc: the -c child (held before exec until the probes are attached) and the process -p names. */
#ifndef HAWK_RT_PROC_H
#define HAWK_RT_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/diag.h"

/* The -c command's process. Owned by the caller; rt_child_end releases
 * everything, whatever state it is in, and is safe on a zeroed struct. */
struct rt_child {
	pid_t pid;          /* 0: none (never spawned, or reaped) */
	int pidfd;          /* becomes readable when the child exits; -1 if none */
	int go;             /* write end of the start pipe, -1 once released */
	int result;         /* read end of the exec-result pipe, -1 once read */
	int status;         /* wait status, once reaped */
	bool reaped;
};

/* Forks CMD held before exec. CMD is split at spaces, as bpftrace splits it
 * (no quotes, no expansion), and its first word is looked up in PATH when it
 * has no '/'. The child dies with hawk, even by SIGKILL (PR_SET_PDEATHSIG).
 * Returns 0, or a negative errno after one error through d: a command that
 * does not exist or cannot be executed fails here, before anything loads. */
int rt_child_spawn(struct rt_child *c, const char *cmd, struct diag *d);

/* Lets the child exec CMD and waits for the exec to happen. Returns 0, or
 * a negative errno after one error through d when the exec failed. */
int rt_child_start(struct rt_child *c, struct diag *d);

/* Whether the child has exited (reaps it then, without blocking). */
bool rt_child_exited(struct rt_child *c);

/* Ends the child if it still runs: never started, it exits without running
 * CMD; running, it gets SIGTERM (bpftrace's way), then SIGKILL if it is
 * still there after grace_ms. Reaps it and closes the descriptors. */
void rt_child_end(struct rt_child *c, int grace_ms);

/* A pidfd for -p PID (readable once the process exits), or a negative errno
 * after one error through d. */
int rt_proc_open(pid_t pid, struct diag *d);

#endif
