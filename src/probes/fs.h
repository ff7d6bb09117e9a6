/* fs: reading kernel pseudo-files and directories whole, relative to a directory fd. */
#ifndef HAWK_RT_FS_H
#define HAWK_RT_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The file at dirfd/path (AT_FDCWD for plain paths), NUL-terminated, in
 * *len bytes; malloc'd, the caller frees. NULL with errno set on failure.
 * Reads until EOF: pseudo-files report a size of 0 or 4096. */
char *rt_fs_read(int dirfd, const char *path, size_t *len);

/* Call fn for every entry of the open directory fd except "." and "..",
 * from the first (the fd is rewound, so cached fds can be walked again),
 * with is_dir from d_type (or fstatat when the file system gives none).
 * Stops when fn returns non-zero and returns that; 0 at the end; -errno on error. */
int rt_fs_dir_each(int fd, int (*fn)(const char *name, bool is_dir, void *arg), void *arg);

/* The address of kernel symbol name in /proc/kallsyms (its first entry):
 * 0, -ENOENT, or a negative errno. Addresses read as 0 without
 * CAP_SYSLOG (kptr_restrict). */
int rt_fs_kallsyms_addr(const char *name, uint64_t *addr);

#endif
