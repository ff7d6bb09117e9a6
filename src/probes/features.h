/* features: what this kernel's BPF can do, probed for real (tiny program loads, links), in bpftrace's --info wording. */
#ifndef HAWK_RT_FEATURES_H
#define HAWK_RT_FEATURES_H

#include <stdbool.h>
#include <stdio.h>

/* Every answer is false without the privilege to load programs. */
struct rt_features {
	/* helpers, callable from kprobe programs */
	bool probe_read, probe_read_str, probe_read_user, probe_read_user_str, probe_read_kernel,
	     probe_read_kernel_str, get_current_cgroup_id, send_signal, override_return,
	     get_boot_ns, dpath, skboutput, get_tai_ns, get_func_ip, jiffies64,
	     lookup_percpu_elem, loop_helper;
	/* kernel */
	int insn_limit;                 /* -1: unknown */
	bool loops, btf, module_btf, map_batch, uprobe_refcnt;
	/* maps */
	bool map_hash, map_percpu_hash, map_array, map_percpu_array, map_stack_trace,
	     map_perf_event_array, map_ringbuf;
	/* probe types: loaded and, where it can fail on its own, attached */
	bool kprobe, uprobe, tracepoint, perf_event, fentry, iter_task, iter_task_file,
	     kprobe_multi, kprobe_session, uprobe_multi, raw_tp_special;
};

/* Probes the running kernel: about 50 tiny program loads and a few links
 * (an fentry and a kprobe_multi link on ksys_read, closed at once). */
void rt_feat_detect(struct rt_features *f);

/* Whether this kernel attaches uprobe_multi links (6.6+), probed once. */
bool rt_feat_uprobe_multi(void);

/* "Kernel helpers", "Kernel features", "Map types", "Probe types". */
void rt_feat_print(FILE *out, const struct rt_features *f);

#endif
