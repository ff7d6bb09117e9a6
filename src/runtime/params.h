/* params: an artifact's positional parameters, checked against how its code uses them and set at load. */
#ifndef HAWK_RT_PARAMS_H
#define HAWK_RT_PARAMS_H

#include "common/diag.h"
#include "common/desc.h"

struct bpf_object;

/* Whether the run's parameters (argv[0..argc)) fit the artifact d: an integer
 * where the code reads an integer, a string no longer than the room compiled
 * in, the compile's own text where the value shaped the code. argc < 0: the
 * run gave none, and the compile's are used. Returns 0, or -1 after one
 * error through dg. */
int rt_params_check(const struct desc *d, char *const *argv, int argc, struct diag *dg);

/* Sets $# and every $N the code reads into the opened object's .rodata:
 * the run's parameters, or the compile's when argc < 0. Returns 0 or a
 * negative errno. */
int rt_params_set(struct bpf_object *obj, const struct desc *d, char *const *argv, int argc);

#endif
