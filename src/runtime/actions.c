/* actions: the events user space carries out itself, cat() and system(): bounded, and a signal stops them. */
#include "runtime/actions.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/arena.h"
#include "runtime/run.h"

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static bool stop(const struct rt_act_ctx *c)
{
	return c->interrupted && c->interrupted(c->arg);
}

/* read() that a signal interrupts: fd and the signal pipe polled
 * together (SA_RESTART would restart a read of a pipe that never ends).
 * Returns what read() returns, or -EINTR once interrupted. */
static ssize_t read_or_signal(const struct rt_act_ctx *c, int fd, void *buf, size_t n)
{
	for (;;) {
		if (stop(c))
			return -EINTR;
		struct pollfd pf[2] = { { fd, POLLIN, 0 }, { c->sig_fd, POLLIN, 0 } };
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return -errno;
		if ((pf[1].revents & POLLIN) && c->sig_drain)
			c->sig_drain();
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t got = read(fd, buf, n);
		if (got >= 0 || errno != EINTR)
			return got;
	}
}

/* cat(): at most cat_bytes_max bytes of the named file (bpftrace's
 * max_cat_bytes: cat("/dev/zero") would never end), or bpftrace's "ERROR:" line
 * (its tests match it; the program goes on, as bpftrace's does). A signal
 * stops the read. */
void rt_act_cat(const struct rt_act_ctx *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		fflush(c->out);
		diag_plain(c->diag, DIAG_ERROR, "failed to open file '%s' (%s)", path, strerror(e));   /* current bpftrace's form */
		return;
	}
	/* O_NONBLOCK only kept open() of a FIFO without a writer from waiting */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	size_t max = c->cat_bytes_max ? c->cat_bytes_max : RT_CAT_BYTES_MAX;
	char *buf = xmalloc(max ? max : 1);
	size_t n = 0;
	ssize_t got;
	while (n < max && (got = read_or_signal(c, fd, buf + n, max - n)) > 0)
		n += (size_t)got;
	close(fd);
	out_cat(c->sink, buf, n);
	free(buf);
}

/* system() (--unsafe): the command through sh, its output streamed as it
 * comes (bounded memory; JSON needs the whole string, kept up to
 * SYSTEM_JSON_MAX); in text its trailing newlines are replaced by one. A signal
 * ends the command. */
#define SYSTEM_JSON_MAX (1u << 20)

/* The text of a system() command on its way out: printed each time the
 * buffer fills (text), or kept whole up to SYSTEM_JSON_MAX (JSON). */
struct sys_out {
	struct out_sink *sink;
	bool json, cut;
	char *buf;
	size_t n, cap;
};

static void sys_put(struct sys_out *o, char c)
{
	if (o->n == o->cap) {
		if (!o->json) {
			out_cat(o->sink, o->buf, o->n);
			o->n = 0;
		} else if (o->cap < SYSTEM_JSON_MAX) {
			o->buf = xrealloc(o->buf, o->cap *= 2);
		} else {
			o->cut = true;
			return;
		}
	}
	o->buf[o->n++] = c;
}

void rt_act_system(const struct rt_act_ctx *c, const char *cmd)
{
	fflush(c->out);
	int p[2];
	pid_t pid = -1;
	if (pipe2(p, O_CLOEXEC) == 0) {
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			dup2(p[1], STDOUT_FILENO);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		close(p[1]);
	}
	if (pid < 0) {
		diag_plain(c->diag, DIAG_WARNING, "system(\"%s\"): %s", cmd, strerror(errno));
		return;
	}
	struct sys_out so = { .sink = c->sink, .json = c->json, .cap = 4096 };
	so.buf = xmalloc(so.cap);
	size_t newlines = 0;
	char buf[4096];
	ssize_t got;
	while ((got = read_or_signal(c, p[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] == '\n') {
				newlines++;
				continue;
			}
			/* newlines are held back until more text follows them */
			for (; newlines; newlines--)
				sys_put(&so, '\n');
			sys_put(&so, buf[i]);
		}
	}
	close(p[0]);
	/* JSON carries the output whole, its trailing newlines too (upstream's
	 * {"type": "syscall", "data": "a b c\n"}); text prints one. */
	for (; so.json && newlines; newlines--)
		sys_put(&so, '\n');
	/* Reaped (its status is not used, as in bpftrace), or killed on a
	 * signal: a command that closed its output may still run. */
	int pfd = pidfd_open(pid);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (stop(c)) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			break;
		}
		struct pollfd pf[2] = { { pfd, POLLIN, 0 }, { c->sig_fd, POLLIN, 0 } };
		if (poll(pf, 2, pfd < 0 ? 10 : -1) > 0 && (pf[1].revents & POLLIN) && c->sig_drain)
			c->sig_drain();
	}
	if (pfd >= 0)
		close(pfd);
	out_syscall(c->sink, so.buf, so.n);
	if (so.cut) {
		fflush(c->out);
		diag_plain(c->diag, DIAG_WARNING, "system(\"%s\"): the output past %u bytes was "
			   "left out (-f json holds it whole)", cmd, SYSTEM_JSON_MAX);
	}
	free(so.buf);
}
