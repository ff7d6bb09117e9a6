/* features: what this kernel's BPF can do, probed for real (tiny program loads, links), in bpftrace's --info wording. */
#include "probes/features.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "probes/btf.h"

/* Attach types newer than this machine's uapi headers (kernel 6.1) and
 * libbpf 1.1: include/uapi/linux/bpf.h, enum bpf_attach_type. */
#define ATTACH_UPROBE_MULTI   48   /* 6.6 */
#define ATTACH_KPROBE_SESSION 56   /* 6.10 */

/* The instructions the probes load (the uapi header has no macros for them). */
#define INSN(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define MOV_IMM(d, i)       INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD_IMM(d, i)       INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define JLT_IMM(d, i, o)    INSN(BPF_JMP | BPF_JLT | BPF_K, d, 0, o, i)
#define EXIT()              INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static const struct bpf_insn ret0[] = { MOV_IMM(0, 0), EXIT() };

/* Loads a program; the fd, or a negative errno. */
static int load(enum bpf_prog_type type, enum bpf_attach_type attach, uint32_t btf_id,
		const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach, .attach_btf_id = btf_id,
		    .log_buf = log, .log_size = (uint32_t)log_size, .log_level = log ? 1 : 0);
	int fd = bpf_prog_load(type, NULL, "GPL", insns, n, &o);
	return fd < 0 ? -errno : fd;
}

static bool loads(enum bpf_prog_type type, enum bpf_attach_type attach, uint32_t btf_id)
{
	int fd = load(type, attach, btf_id, ret0, 2, NULL, 0);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* BPF_LINK_CREATE by hand: libbpf 1.1's opts know neither uprobe_multi
 * nor kprobe_session. The layout of union bpf_attr's link_create. */
struct link_attr {
	uint32_t prog_fd, target_fd, attach_type, flags;
	union {
		struct { uint32_t flags, cnt; uint64_t syms, addrs, cookies; } kprobe_multi;
		struct { uint64_t path, offsets, ref_ctr_offsets, cookies; uint32_t cnt, flags, pid; } uprobe_multi;
		uint32_t target_btf_id;
	};
	uint8_t zero[64];      /* the kernel checks that what it does not know is zero */
};

static int link_create(struct link_attr *a)
{
	int fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, a, sizeof(*a));
	return fd < 0 ? -errno : fd;
}

/* A function every kernel has, to attach to for an instant. */
static const char probe_func[] = "ksys_read";

static uint32_t func_id(const char *name)
{
	if (rt_btf_load(NULL))
		return 0;
	int64_t id = rt_btf_find(name, BTF_KIND_FUNC);
	return id > 0 ? (uint32_t)id : 0;
}

/* fentry: a trampoline really attached (kernels with locked-down ftrace
 * load TRACING programs but refuse them, EPERM, as this one does). */
static bool have_fentry(void)
{
	uint32_t id = func_id(probe_func);
	if (!id)
		return false;
	int fd = load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id, ret0, 2, NULL, 0);
	if (fd < 0)
		return false;
	struct link_attr a = { .prog_fd = (uint32_t)fd, .attach_type = BPF_TRACE_FENTRY };
	int l = link_create(&a);
	if (l >= 0)
		close(l);
	close(fd);
	return l >= 0;
}

static bool have_kprobe_multi(uint32_t attach)
{
	int fd = load(BPF_PROG_TYPE_KPROBE, (enum bpf_attach_type)attach, 0, ret0, 2, NULL, 0);
	if (fd < 0)
		return false;
	const char *sym = probe_func;
	struct link_attr a = { .prog_fd = (uint32_t)fd, .attach_type = attach };
	a.kprobe_multi.cnt = 1;
	a.kprobe_multi.syms = (uint64_t)(uintptr_t)&sym;
	int l = link_create(&a);
	if (l >= 0)
		close(l);
	close(fd);
	return l >= 0;
}

/* uprobe_multi: a link on a directory fails with EBADF where the kernel
 * has it (it got as far as checking the file), EINVAL where not. */
static bool have_uprobe_multi(void)
{
	int fd = load(BPF_PROG_TYPE_KPROBE, (enum bpf_attach_type)ATTACH_UPROBE_MULTI, 0, ret0, 2,
		      NULL, 0);
	if (fd < 0)
		return false;
	unsigned long off = 0;
	struct link_attr a = { .prog_fd = (uint32_t)fd, .attach_type = ATTACH_UPROBE_MULTI };
	a.uprobe_multi.path = (uint64_t)(uintptr_t)"/";
	a.uprobe_multi.offsets = (uint64_t)(uintptr_t)&off;
	a.uprobe_multi.cnt = 1;
	int l = link_create(&a);
	if (l >= 0)
		close(l);
	close(fd);
	return l == -EBADF;
}

bool rt_feat_uprobe_multi(void)
{
	static int known = -1;
	if (known < 0)
		known = have_uprobe_multi();
	return known;
}

static bool have_iter(const char *target)
{
	char name[64];
	snprintf(name, sizeof(name), "bpf_iter_%s", target);
	uint32_t id = func_id(name);
	return id && loads(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, id);
}

/* Bounded loops (5.3): a back edge the verifier walks. */
static bool have_loops(void)
{
	const struct bpf_insn insns[] = {
		MOV_IMM(0, 0), MOV_IMM(1, 0), ADD_IMM(1, 1), JLT_IMM(1, 4, -2), EXIT(),
	};
	int fd = load(BPF_PROG_TYPE_KPROBE, 0, 0, insns, 5, NULL, 0);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* The verifier's own statement: "processed 2 insns (limit 1000000) ...". */
static int insn_limit(void)
{
	char log[4096] = "";
	int fd = load(BPF_PROG_TYPE_KPROBE, 0, 0, ret0, 2, log, sizeof(log));
	if (fd < 0)
		return -1;
	close(fd);
	const char *p = strstr(log, "(limit ");
	return p ? atoi(p + 7) : -1;
}

static bool have_map_batch(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 4, 1, NULL);
	if (fd < 0)
		return false;
	uint32_t keys[1], vals[1], count = 1, out;
	int r = bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, NULL);
	close(fd);
	return r == 0 || errno == ENOENT;   /* an empty map: ENOENT */
}

/* BEGIN/END run through BPF_PROG_TEST_RUN on a raw_tp program (5.10). */
static bool have_raw_tp_test_run(void)
{
	int fd = load(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, ret0, 2, NULL, 0);
	if (fd < 0)
		return false;
	LIBBPF_OPTS(bpf_test_run_opts, o);
	int r = bpf_prog_test_run_opts(fd, &o);
	close(fd);
	return r == 0;
}

static bool helper(enum bpf_prog_type t, enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(t, id, NULL) == 1;
}

static bool map(enum bpf_map_type t)
{
	return libbpf_probe_bpf_map_type(t, NULL) == 1;
}

void rt_feat_detect(struct rt_features *f)
{
	memset(f, 0, sizeof(*f));
	f->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	/* any file but vmlinux in /sys/kernel/btf: a module's BTF */
	DIR *dir = f->btf ? opendir("/sys/kernel/btf") : NULL;
	for (struct dirent *e; dir && (e = readdir(dir));)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "vmlinux"))
			f->module_btf = true;
	if (dir)
		closedir(dir);
	f->uprobe_refcnt = access("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset", F_OK) == 0;

	enum bpf_prog_type kp = BPF_PROG_TYPE_KPROBE;
	f->probe_read = helper(kp, BPF_FUNC_probe_read);
	f->probe_read_str = helper(kp, BPF_FUNC_probe_read_str);
	f->probe_read_user = helper(kp, BPF_FUNC_probe_read_user);
	f->probe_read_user_str = helper(kp, BPF_FUNC_probe_read_user_str);
	f->probe_read_kernel = helper(kp, BPF_FUNC_probe_read_kernel);
	f->probe_read_kernel_str = helper(kp, BPF_FUNC_probe_read_kernel_str);
	f->get_current_cgroup_id = helper(kp, BPF_FUNC_get_current_cgroup_id);
	f->send_signal = helper(kp, BPF_FUNC_send_signal);
	f->override_return = helper(kp, BPF_FUNC_override_return);
	f->get_boot_ns = helper(kp, BPF_FUNC_ktime_get_boot_ns);
	f->get_func_ip = helper(kp, BPF_FUNC_get_func_ip);
	f->jiffies64 = helper(kp, BPF_FUNC_jiffies64);
	f->get_tai_ns = helper(kp, (enum bpf_func_id)208 /* ktime_get_tai_ns, 6.1 */);
	f->lookup_percpu_elem = helper(kp, (enum bpf_func_id)195 /* map_lookup_percpu_elem, 5.19 */);
	f->loop_helper = helper(kp, (enum bpf_func_id)181 /* bpf_loop, 5.17 */);

	f->insn_limit = insn_limit();
	f->loops = have_loops();
	f->map_batch = have_map_batch();

	f->map_hash = map(BPF_MAP_TYPE_HASH);
	f->map_percpu_hash = map(BPF_MAP_TYPE_PERCPU_HASH);
	f->map_array = map(BPF_MAP_TYPE_ARRAY);
	f->map_percpu_array = map(BPF_MAP_TYPE_PERCPU_ARRAY);
	f->map_stack_trace = map(BPF_MAP_TYPE_STACK_TRACE);
	f->map_perf_event_array = map(BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	f->map_ringbuf = map(BPF_MAP_TYPE_RINGBUF);

	/* kprobe: the program type and a kprobe PMU to attach it with
	 * (CONFIG_KPROBES off: the type loads, nothing attaches). */
	f->kprobe = loads(kp, 0, 0) && access("/sys/bus/event_source/devices/kprobe", F_OK) == 0;
	f->uprobe = loads(kp, 0, 0) && access("/sys/bus/event_source/devices/uprobe", F_OK) == 0;
	f->tracepoint = loads(BPF_PROG_TYPE_TRACEPOINT, 0, 0);
	f->perf_event = loads(BPF_PROG_TYPE_PERF_EVENT, 0, 0);
	f->fentry = have_fentry();
	/* d_path and skb_output are only callable from fentry programs. */
	f->dpath = f->fentry && func_id("d_path");
	f->skboutput = f->fentry && func_id("bpf_skb_output");
	f->iter_task = have_iter("task");
	f->iter_task_file = have_iter("task_file");
	f->kprobe_multi = have_kprobe_multi(BPF_TRACE_KPROBE_MULTI);
	f->kprobe_session = have_kprobe_multi(ATTACH_KPROBE_SESSION);
	f->uprobe_multi = have_uprobe_multi();
	f->raw_tp_special = have_raw_tp_test_run();
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* The three kernel sections of --info. Both bpftrace 0.17's lines and
 * current bpftrace's (their names differ: kfunc/fentry, iter:task/iter),
 * since tools and both test engines search the text for "NAME: yes". */
void rt_feat_print(FILE *o, const struct rt_features *f)
{
	fprintf(o, "Kernel helpers\n");
	fprintf(o, "  probe_read: %s\n", yes_no(f->probe_read));
	fprintf(o, "  probe_read_str: %s\n", yes_no(f->probe_read_str));
	fprintf(o, "  probe_read_user: %s\n", yes_no(f->probe_read_user));
	fprintf(o, "  probe_read_user_str: %s\n", yes_no(f->probe_read_user_str));
	fprintf(o, "  probe_read_kernel: %s\n", yes_no(f->probe_read_kernel));
	fprintf(o, "  probe_read_kernel_str: %s\n", yes_no(f->probe_read_kernel_str));
	fprintf(o, "  get_current_cgroup_id: %s\n", yes_no(f->get_current_cgroup_id));
	fprintf(o, "  send_signal: %s\n", yes_no(f->send_signal));
	fprintf(o, "  override_return: %s\n", yes_no(f->override_return));
	fprintf(o, "  get_boot_ns: %s\n", yes_no(f->get_boot_ns));
	fprintf(o, "  dpath: %s\n", yes_no(f->dpath));
	fprintf(o, "  skboutput: %s\n", yes_no(f->skboutput));
	fprintf(o, "  get_tai_ns: %s\n", yes_no(f->get_tai_ns));
	fprintf(o, "  get_func_ip: %s\n", yes_no(f->get_func_ip));
	fprintf(o, "  jiffies64: %s\n", yes_no(f->jiffies64));
	fprintf(o, "  lookup_percpu_elem: %s\n", yes_no(f->lookup_percpu_elem));
	fprintf(o, "  loop: %s\n", yes_no(f->loop_helper));
	fprintf(o, "\nKernel features\n");
	fprintf(o, "  Instruction limit: %d\n", f->insn_limit);
	fprintf(o, "  Loop support: %s\n", yes_no(f->loops));
	fprintf(o, "  btf: %s\n", yes_no(f->btf));
	fprintf(o, "  module btf: %s\n", yes_no(f->module_btf));
	fprintf(o, "  map batch: %s\n", yes_no(f->map_batch));
	fprintf(o, "  uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): %s\n",
		yes_no(f->uprobe_refcnt));
	fprintf(o, "\nMap types\n");
	fprintf(o, "  hash: %s\n", yes_no(f->map_hash));
	fprintf(o, "  percpu hash: %s\n", yes_no(f->map_percpu_hash));
	fprintf(o, "  array: %s\n", yes_no(f->map_array));
	fprintf(o, "  percpu array: %s\n", yes_no(f->map_percpu_array));
	fprintf(o, "  stack_trace: %s\n", yes_no(f->map_stack_trace));
	fprintf(o, "  perf_event_array: %s\n", yes_no(f->map_perf_event_array));
	fprintf(o, "  ringbuf: %s\n", yes_no(f->map_ringbuf));
	fprintf(o, "\nProbe types\n");
	fprintf(o, "  kprobe: %s\n", yes_no(f->kprobe));
	fprintf(o, "  uprobe: %s\n", yes_no(f->uprobe));
	fprintf(o, "  tracepoint: %s\n", yes_no(f->tracepoint));
	fprintf(o, "  perf_event: %s\n", yes_no(f->perf_event));
	fprintf(o, "  kfunc: %s\n", yes_no(f->fentry && f->btf));
	fprintf(o, "  fentry: %s\n", yes_no(f->fentry && f->btf));
	fprintf(o, "  iter:task: %s\n", yes_no(f->iter_task));
	fprintf(o, "  iter:task_file: %s\n", yes_no(f->iter_task_file));
	fprintf(o, "  iter: %s\n", yes_no(f->iter_task));
	fprintf(o, "  kprobe_multi: %s\n", yes_no(f->kprobe_multi));
	fprintf(o, "  kprobe_session: %s\n", yes_no(f->kprobe_session));
	fprintf(o, "  uprobe_multi: %s\n", yes_no(f->uprobe_multi));
	fprintf(o, "  raw_tp_special: %s\n", yes_no(f->raw_tp_special));
}
