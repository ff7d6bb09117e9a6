/* syscalls: x86-64 system call numbers by the name their syscalls tracepoints carry (syscalls_x86_64.def). */
#include "probes/syscalls.h"

#include <string.h>

static const struct {
	int nr;
	const char *name;
} table[] = {
#define SYSCALL(nr, name) { nr, #name },
#include "probes/syscalls_x86_64.def"
#undef SYSCALL
};

int rt_syscall_nr(const char *name)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (!strcmp(table[i].name, name))
			return table[i].nr;
	return -1;
}

int rt_syscall_event(const char *event, const char **name)
{
	static const char enter[] = "sys_enter_", exit_[] = "sys_exit_";
	if (!strncmp(event, enter, sizeof enter - 1)) {
		*name = event + sizeof enter - 1;
		return 1;
	}
	if (!strncmp(event, exit_, sizeof exit_ - 1)) {
		*name = event + sizeof exit_ - 1;
		return 2;
	}
	return 0;
}
