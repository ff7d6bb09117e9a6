/* globals: the read-only values the runtime hands the BPF programs at load (cpid, -p's pid). */
#ifndef HAWK_RT_GLOBALS_H
#define HAWK_RT_GLOBALS_H

#include <stdint.h>

struct bpf_object;

/* Sets the u64 .rodata variable `name` (DESC_VAR_*) of an opened, not yet
 * loaded object. Returns 0, -ENOENT when the program does not use it (the
 * object has no such variable), or -EINVAL when it is not a u64. */
int rt_global_set(struct bpf_object *obj, const char *name, uint64_t value);
/* The same for a variable of len bytes (an artifact's string parameter). */
int rt_global_set_bytes(struct bpf_object *obj, const char *name, const void *v, uint32_t len);

#endif
