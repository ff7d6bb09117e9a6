/* btf: the kernel's vmlinux BTF, mapped once, only when a provider needs it. */
#ifndef HAWK_RT_BTF_H
#define HAWK_RT_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/btf.h>

#include "common/diag.h"

struct btf; /* libbpf */

/* Map /sys/kernel/btf/vmlinux and index its types (about 1 ms, no copy).
 * 0, or a negative errno after one error through d (when not NULL).
 * Everything below needs a successful load first. */
int rt_btf_load(struct diag *d);

/* Another file than /sys/kernel/btf/vmlinux (BPFTRACE_BTF), before the
 * first load; borrowed. */
void rt_btf_set_path(const char *path);

/* Type ids run from 1 to rt_btf_count() - 1. */
uint32_t rt_btf_count(void);
const struct btf_type *rt_btf_type(uint32_t id);
const char *rt_btf_str(uint32_t off);   /* "" for 0 or out of range */
const char *rt_btf_name(uint32_t id);

/* The first type of `kind` named `name` (a hash index is built on first
 * use); negative errno when there is none. */
int64_t rt_btf_find(const char *name, unsigned kind);

/* libbpf's own parse of the same data (about 3 ms), for btf_dump and for
 * code generation; built on first call. NULL after reporting through d. */
struct btf *rt_btf_libbpf(struct diag *d);

/* C text of a type as it would be declared without a name ("struct file *",
 * "const char *"), into buf. Returns buf; "?" if BTF is not loadable. */
const char *rt_btf_decl(uint32_t id, char *buf, size_t size);

/* -lv: a function's parameters from index `first` on, "    TYPE NAME" a
 * line (a varargs slot, type 0, is left out). Returns the function's
 * prototype, or NULL when `func` is not a BTF function. */
const struct btf_type *rt_btf_print_params(uint32_t func, unsigned first, FILE *f);

/* The definition of a struct, union or enum as bpftrace -lv prints it:
 * tab-indented, nested anonymous types inline, "};" and a blank line. */
int rt_btf_print_def(uint32_t id, FILE *f);

#endif
