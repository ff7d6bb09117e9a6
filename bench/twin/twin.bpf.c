/* twin.bpf.c: the hand-written libbpf programs bench/run.sh sets beside hawk's (the per-event floor, bench/README.md). */
/* Written the way a libbpf user writes them (libbpf-bootstrap style): the obvious map for each
 * aggregation, no tricks. The loader (twin.c) attaches one of them, tw_KEY, by its key. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* @ = count(): one per-CPU counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count_map SEC(".maps");

/* @[comm, tid] = count(): a per-CPU hash keyed by the task's name and thread id. */
struct comm_tid {
	char comm[16];
	__u64 tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct comm_tid);
	__type(value, __u64);
} keyed_map SEC(".maps");

/* @ = hist(v): power-of-two buckets, 0 for v == 0 and k + 1 for 2^k <= v < 2^(k+1). */
#define HIST_SLOTS 65
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist_map SEC(".maps");

/* printf("%d %s\n", tid, comm): one fixed-size record a line, formatted by the reader.
 * Submitted without a wakeup and read on a 10 ms poll, as hawk delivers its records: the
 * libbpf-bootstrap default (flags 0, adaptive wakeup) costs a wakeup whenever the reader
 * has caught up, which here is a VM exit (bench/README.md has the figure), and that would
 * measure the delivery strategy rather than the code. */
struct line {
	__u32 tid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int tw_empty(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tw_count(void *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&count_map, &zero);

	if (v)
		(*v)++;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tw_keyed(void *ctx)
{
	struct comm_tid k;
	__u64 one = 1, *v;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	k.tid = (__u32)bpf_get_current_pid_tgid();
	v = bpf_map_lookup_elem(&keyed_map, &k);
	if (v)
		(*v)++;
	else
		bpf_map_update_elem(&keyed_map, &k, &one, BPF_ANY);
	return 0;
}

/* The branch-free log2 of libbpf-tools' bits.bpf.h, the usual hand-written form. */
static __always_inline __u64 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tw_hist(void *ctx)
{
	__u64 v = bpf_ktime_get_ns() & 0xffff, *slot;
	__u32 idx = v ? log2_u64(v) + 1 : 0;

	slot = bpf_map_lookup_elem(&hist_map, &idx);
	if (slot)
		(*slot)++;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tw_printf(void *ctx)
{
	struct line *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
