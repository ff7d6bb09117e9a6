/* bad.bpf.c: a program the verifier rejects (no null check), for loader_test.c's error mapping. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, __u64);
} AT_x SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	__u64 key = 1;
	__u64 *v = bpf_map_lookup_elem(&AT_x, &key);
	*v += 1;  /* line 17: the rejected statement */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
