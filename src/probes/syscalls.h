/* syscalls: the system call numbers behind tracepoint:syscalls:sys_enter_NAME and sys_exit_NAME. */
#ifndef HAWK_RT_SYSCALLS_H
#define HAWK_RT_SYSCALLS_H

/* The 64-bit x86-64 number of the syscall whose tracepoints are
 * sys_enter_NAME and sys_exit_NAME (name without the prefix), or -1 when
 * the table does not know it (a syscall newer than hawk: its probes are
 * attached one tracepoint each). */
int rt_syscall_nr(const char *name);

/* "sys_enter_openat" -> 1 (enter) with *name "openat"; "sys_exit_..." -> 2;
 * any other event 0. */
int rt_syscall_event(const char *event, const char **name);

#endif
