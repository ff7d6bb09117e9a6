/* core_btf: writes a BTF file in which task_struct's fields sit at other offsets than this kernel's (the CO-RE case in aot.test). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

/* struct task_struct { int tgid; int pid; char comm[16]; struct task_struct *real_parent; }
 * in 40 bytes: on no kernel are pid, tgid, comm or real_parent at these
 * offsets, so an artifact compiled against this file reads the right values
 * only if libbpf relocated its field offsets against the running kernel. */
int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: core_btf OUT.btf\n");
		return 2;
	}
	struct btf *b = btf__new_empty();
	if (!b)
		return 1;
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int comm = btf__add_array(b, u32, chr, 16);
	/* the pointer first (a struct's fields must follow it): ids are
	 * consecutive, so the struct is the next one */
	int ptr = comm < 0 ? comm : btf__add_ptr(b, comm + 2);
	int ts = btf__add_struct(b, "task_struct", 40);
	if (i32 < 0 || chr < 0 || u32 < 0 || ptr < 0 || ts != ptr + 1 ||
	    btf__add_field(b, "tgid", i32, 0, 0) || btf__add_field(b, "pid", i32, 32, 0) ||
	    btf__add_field(b, "comm", comm, 64, 0) || btf__add_field(b, "real_parent", ptr, 192, 0)) {
		fprintf(stderr, "core_btf: libbpf's BTF writer failed\n");
		return 1;
	}
	uint32_t size;
	const void *raw = btf__raw_data(b, &size);
	FILE *f = fopen(argv[1], "we");
	if (!raw || !f || fwrite(raw, 1, size, f) != size || fclose(f)) {
		fprintf(stderr, "core_btf: cannot write %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	btf__free(b);
	return 0;
}
