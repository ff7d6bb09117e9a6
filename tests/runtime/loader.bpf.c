/* loader.bpf.c: programs laid out as hawk's codegen lays them out, for loader_test.c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The record header every ring buffer record starts with (desc.h). */
struct hdr {
	__u32 id, pad;
};

/* Event ids, as loader_test.c's desc lists them. */
enum { EV_BEGIN, EV_END, EV_GETPPID };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} AT_calls SEC(".maps");

/* [1] profile samples, [2] uprobe hits, [3] uretprobe hits */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} AT_ticks SEC(".maps");

/* [0]: the process whose getppid calls become records (0: every process). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} ringbuf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Wake the reader only once the buffer is a quarter full; the reader polls
 * every RT_POLL_MS for the rest. */
#define WATERMARK ((1 << 16) / 4)

static __always_inline void submit(void *rec, __u64 size, int wake)
{
	__u64 flags = wake || bpf_ringbuf_query(&ringbuf, BPF_RB_AVAIL_DATA) > WATERMARK
		      ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&ringbuf, rec, size, flags)) {
		__u32 k = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &k);
		if (n)
			*n += 1;
	}
}

static __always_inline void tick(__u32 k)
{
	__u64 *n = bpf_map_lookup_elem(&AT_ticks, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	__u64 key = bpf_get_current_pid_tgid() >> 32, one = 1;
	__u64 *n = bpf_map_lookup_elem(&AT_calls, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&AT_calls, &key, &one, BPF_NOEXIST);
	__u32 k = 0;
	__u64 *t = bpf_map_lookup_elem(&target, &k);
	if (t && *t && *t != key)
		return 0;
	struct hdr h = { EV_GETPPID, 0 };
	submit(&h, sizeof(h), 0);
	return 0;
}

SEC("raw_tp")
int begin(void *ctx)
{
	struct hdr h = { EV_BEGIN, 0 };
	submit(&h, sizeof(h), 0);
	return 0;
}

SEC("raw_tp")
int end(void *ctx)
{
	struct hdr h = { EV_END, 0 };
	submit(&h, sizeof(h), 0);
	return 0;
}

SEC("perf_event")
int prof(void *ctx)
{
	tick(1);
	return 0;
}

SEC("uprobe")
int up_marker(void *ctx)
{
	tick(2);
	return 0;
}

SEC("uretprobe")
int uret_marker(void *ctx)
{
	tick(3);
	return 0;
}

SEC("kprobe")
int kp_vfs_read(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
