/* globals: the read-only values the runtime hands the BPF programs at load (cpid, -p's pid). */
#include "runtime/globals.h"

#include <errno.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* The variable's place in its DATASEC, found through the object's BTF
 * (libbpf has fixed the offsets up at open). */
static int find_var(const struct btf *btf, const char *sec, const char *name, uint32_t *off,
		    uint32_t *size)
{
	int id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	const struct btf_type *t = btf__type_by_id(btf, (uint32_t)id);
	const struct btf_var_secinfo *vi = btf_var_secinfos(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, vi++) {
		const struct btf_type *v = btf__type_by_id(btf, vi->type);
		if (v && !strcmp(btf__name_by_offset(btf, v->name_off), name)) {
			*off = vi->offset;
			*size = vi->size;
			return 0;
		}
	}
	return -ENOENT;
}

int rt_global_set_bytes(struct bpf_object *obj, const char *name, const void *v, uint32_t len)
{
	const struct btf *btf = bpf_object__btf(obj);
	uint32_t off, size;
	if (!btf || find_var(btf, ".rodata", name, &off, &size))
		return -ENOENT;
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		const char *mn = bpf_map__name(m);
		size_t n = strlen(mn);
		/* libbpf names the map OBJ.rodata, the object name cut short */
		if (!bpf_map__is_internal(m) || n < 7 || strcmp(mn + n - 7, ".rodata"))
			continue;
		size_t total;
		/* const in older libbpf headers; the buffer is ours to fill before load */
		void *data = (void *)(uintptr_t)bpf_map__initial_value(m, &total);
		if (!data || size != len || (size_t)off + size > total)
			return -EINVAL;
		memcpy((char *)data + off, v, len);
		return 0;
	}
	return -ENOENT;
}

int rt_global_set(struct bpf_object *obj, const char *name, uint64_t value)
{
	return rt_global_set_bytes(obj, name, &value, sizeof(value));
}
