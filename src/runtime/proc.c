/* proc: the -c child (held before exec until the probes are attached) and the process -p names. */
#include "runtime/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/arena.h"

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static bool executable(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* The file CMD's first word names: itself when it has a '/', else the first
 * match in PATH (execvp's default path when PATH is unset, as the upstream
 * test engine runs tracers). malloc'd, or NULL. */
static char *resolve(const char *name)
{
	if (strchr(name, '/'))
		return executable(name) ? xstrdup(name) : NULL;
	const char *env = getenv("PATH");
	if (!env || !*env)
		env = "/usr/local/bin:/usr/bin:/bin";
	char buf[PATH_MAX];
	for (const char *p = env; *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(n ? n : 1), n ? p : ".", name) <
			    (int)sizeof(buf) && executable(buf))
			return xstrdup(buf);
		p += n + (colon ? 1 : 0);
	}
	return NULL;
}

/* The child between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child_main(pid_t parent, int go, int result, const char *path, char **argv)
{
	/* Die with hawk. SIGKILL rather than bpftrace's SIGTERM: a command
	 * that handles SIGTERM would otherwise outlive a SIGKILLed hawk. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		_exit(127);
	/* hawk died between fork and prctl: the signal will never come. */
	if (getppid() != parent)
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Ready: hawk waits for this before it loads, so none of these calls
	 * happens while probes are attached (a probe on getppid would count
	 * ours). From here the child only reads, then execs. */
	char c = 'r';
	ssize_t r = write(result, &c, 1);
	while ((r = read(go, &c, 1)) < 0 && errno == EINTR)
		;
	if (r != 1)
		_exit(0);         /* hawk gave up before starting us: run nothing */
	execv(path, argv);
	int e = errno;
	r = write(result, &e, sizeof(e));
	(void)r;
	_exit(127);
}

int rt_child_spawn(struct rt_child *c, const char *cmd, struct diag *d)
{
	memset(c, 0, sizeof(*c));
	c->pidfd = c->go = c->result = -1;

	/* bpftrace splits at spaces and nothing else; runs of spaces count as one. */
	char *copy = xstrdup(cmd);
	size_t cap = 8, argc = 0;
	char **argv = xmalloc(cap * sizeof(*argv));
	for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
		if (argc + 2 > cap)
			argv = xrealloc(argv, (cap *= 2) * sizeof(*argv));
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	int err = 0;
	char *path = NULL;
	int go[2] = { -1, -1 }, res[2] = { -1, -1 };
	if (argc == 0) {
		diag_plain(d, DIAG_ERROR, "-c: the command is empty");
		err = -EINVAL;
		goto out;
	}
	path = resolve(argv[0]);
	if (!path) {
		diag_plain(d, DIAG_ERROR, "-c: cannot run '%s': %s", argv[0],
			   strchr(argv[0], '/') ? "no such executable file"
						: "no such executable file in PATH");
		err = -ENOENT;
		goto out;
	}
	/* The start channel is a socket so that hawk can write to a child that
	 * died first (Ctrl-C reaches it too) without a SIGPIPE: MSG_NOSIGNAL. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) || pipe2(res, O_CLOEXEC)) {
		err = -errno;
		diag_plain(d, DIAG_ERROR, "-c: cannot create a pipe: %s", strerror(-err));
		goto out;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		err = -errno;
		diag_plain(d, DIAG_ERROR, "-c: cannot fork: %s", strerror(-err));
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		close(res[0]);
		child_main(parent, go[0], res[1], path, argv);
	}
	c->pid = pid;
	c->go = go[1];
	c->result = res[0];
	go[1] = res[0] = -1;
	c->pidfd = pidfd_open(pid);
	char ready;
	ssize_t r;
	while ((r = read(c->result, &ready, 1)) < 0 && errno == EINTR)
		;
	if (r != 1) {
		diag_plain(d, DIAG_ERROR, "-c: the child process died before it could run the command");
		err = -ECHILD;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (res[i] >= 0)
			close(res[i]);
	}
	free(path);
	free(argv);
	free(copy);
	return err;
}

int rt_child_start(struct rt_child *c, struct diag *d)
{
	if (c->go < 0)
		return 0;
	ssize_t r = send(c->go, "g", 1, MSG_NOSIGNAL);
	(void)r;   /* EPIPE: it died before exec; the loop sees it exit */
	close(c->go);
	c->go = -1;
	/* The result pipe closes at exec (O_CLOEXEC); an errno comes first
	 * when the exec failed. */
	int e = 0;
	while ((r = read(c->result, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(c->result);
	c->result = -1;
	if (r == (ssize_t)sizeof(e)) {
		diag_plain(d, DIAG_ERROR, "-c: cannot run the command: %s", strerror(e));
		return -e;
	}
	return 0;
}

bool rt_child_exited(struct rt_child *c)
{
	if (!c->pid || c->reaped)
		return true;
	pid_t r;
	while ((r = waitpid(c->pid, &c->status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == c->pid || (r < 0 && errno == ECHILD))
		c->reaped = true;
	return c->reaped;
}

static void reap(struct rt_child *c)
{
	while (!c->reaped) {
		pid_t r = waitpid(c->pid, &c->status, 0);
		if (r == c->pid || (r < 0 && errno != EINTR))
			c->reaped = true;
	}
}

void rt_child_end(struct rt_child *c, int grace_ms)
{
	if (c->pid && !c->reaped) {
		if (c->go >= 0) {
			close(c->go);      /* EOF: it exits without running CMD */
			c->go = -1;
		} else if (!rt_child_exited(c)) {
			kill(c->pid, SIGTERM);
			struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
			int n = -1;
			if (c->pidfd >= 0)
				while ((n = poll(&p, 1, grace_ms)) < 0 && errno == EINTR)
					;
			if (n <= 0)
				kill(c->pid, SIGKILL);
		}
		reap(c);
	}
	if (c->go >= 0)
		close(c->go);
	if (c->result >= 0)
		close(c->result);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->go = c->result = c->pidfd = -1;
	c->pid = 0;
}

int rt_proc_open(pid_t pid, struct diag *d)
{
	int fd = pidfd_open(pid);
	if (fd < 0) {
		int e = errno;
		diag_plain(d, DIAG_ERROR, "-p %d: %s", (int)pid,
			   e == ESRCH ? "no such process" : strerror(e));
		return -e;
	}
	return fd;
}
