/* fs: whole-file reads and getdents64 walks, the cheap way to read tracefs and procfs. */
#include "probes/fs.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/arena.h"

char *rt_fs_read(int dirfd, const char *path, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 16384, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (cap - n < 4096)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int rt_fs_dir_each(int fd, int (*fn)(const char *name, bool is_dir, void *arg), void *arg)
{
	/* getdents64 directly: one syscall per 32 KiB of entries, no DIR
	 * allocation, and the fd stays usable for openat by the caller. */
	char buf[32768] __attribute__((aligned(8)));
	/* Directory fds are cached and shared (tracefs events/): start from
	 * the top whatever the last walk left. */
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			off += e->d_reclen;
			const char *name = e->d_name;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			bool is_dir = e->d_type == DT_DIR;
			if (e->d_type == DT_UNKNOWN) {
				struct stat st;
				is_dir = !fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) &&
					 S_ISDIR(st.st_mode);
			}
			int r = fn(name, is_dir, arg);
			if (r)
				return r;
		}
	}
}

int rt_fs_kallsyms_addr(const char *name, uint64_t *addr)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	char line[512];
	int err = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		uint64_t a;
		char type, sym[256];
		if (sscanf(line, "%" SCNx64 " %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name)) {
			*addr = a;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}
