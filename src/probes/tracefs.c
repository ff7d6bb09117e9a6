/* tracefs: locate (or mount) tracefs and keep directory fds open for openat. */
#include "probes/tracefs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int root_fd = -1, events_fd = -1;
static const char *root_path;

static const char mount_point[] = "/sys/kernel/tracing";

/* The first tracefs root we were not allowed into (EACCES), if any. */
static const char *denied;

static int try_root(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES && !denied)
			denied = path;
		return -1;
	}
	/* An unmounted mount point is an empty directory: events/ tells. */
	if (faccessat(fd, "events", F_OK, 0)) {
		if (errno == EACCES && !denied)
			denied = path;
		close(fd);
		return -1;
	}
	root_path = path;
	return fd;
}

int rt_tracefs_root(struct diag *d)
{
	if (root_fd >= 0)
		return root_fd;
	root_fd = try_root(mount_point);
	if (root_fd < 0)
		root_fd = try_root("/sys/kernel/debug/tracing");
	if (root_fd >= 0)
		return root_fd;
	/* Mounted, but root's alone (mode 0700, as on Debian 12): saying "not
	 * mounted" would send the user the wrong way. */
	if (denied) {
		static struct diag *told;   /* once per run, not once per probe */
		if (d && d != told)
			diag_plain(d, DIAG_ERROR,
				   "cannot read tracefs at %s: permission denied (it is readable "
				   "by root only; run hawk as root)", denied);
		if (d)
			told = d;
		return -EACCES;
	}
	/* Debian 12 containers and minimal VMs boot without tracefs mounted;
	 * bpftrace 0.17 then finds no tracepoints. Mount it like systemd would. */
	if (mount("nodev", mount_point, "tracefs", 0, NULL)) {
		int e = errno;
		if (d)
			diag_plain(d, DIAG_ERROR,
				   "tracefs is not mounted and mounting it failed: "
				   "mount -t tracefs nodev %s: %s", mount_point, strerror(e));
		return -e;
	}
	root_fd = try_root(mount_point);
	if (root_fd < 0) {
		if (d)
			diag_plain(d, DIAG_ERROR, "tracefs mounted at %s has no events/ directory",
				   mount_point);
		return -ENOENT;
	}
	return root_fd;
}

int rt_tracefs_events(struct diag *d)
{
	if (events_fd >= 0)
		return events_fd;
	int root = rt_tracefs_root(d);
	if (root < 0)
		return root;
	events_fd = openat(root, "events", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (events_fd < 0) {
		int e = errno;
		if (d)
			diag_plain(d, DIAG_ERROR, "cannot open %s/events: %s", root_path, strerror(e));
		return -e;
	}
	return events_fd;
}

const char *rt_tracefs_path(void)
{
	return root_path ? root_path : mount_point;
}
