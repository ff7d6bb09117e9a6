/* twin: loads and attaches one hand-written program of twin.bpf.c (bench/run.sh's baseline). */
/* Usage: twin OBJ KEY [-o FILE]. KEY is empty, count, keyed, hist or printf; the program
 * attached is tw_KEY. When attached it prints the marker run.py waits for; on SIGINT or
 * SIGTERM it drains the ring buffer, prints the maps' totals and exits. printf's records
 * become "TID COMM" lines in FILE (stdout by default), as hawk's -o writes them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct line {
	unsigned int tid;
	char comm[16];
};

static volatile sig_atomic_t stop;
static FILE *out;

static void on_signal(int sig __attribute__((unused)))
{
	stop = 1;
}

static int on_line(void *ctx __attribute__((unused)), void *data, size_t size __attribute__((unused)))
{
	const struct line *l = data;

	fprintf(out, "%u %.16s\n", l->tid, l->comm);
	return 0;
}

/* The sum over CPUs and keys of a per-CPU map of u64 values: enough to show the counts arrived. */
static unsigned long long map_total(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	int ncpu = libbpf_num_possible_cpus(), fd;
	unsigned long long total = 0, vals[ncpu > 0 ? ncpu : 1];
	char key[64], next[64];
	void *prev = NULL;

	if (!m || ncpu <= 0)
		return 0;
	fd = bpf_map__fd(m);
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (bpf_map_lookup_elem(fd, next, vals) == 0)
			for (int c = 0; c < ncpu; c++)
				total += vals[c];
		memcpy(key, next, sizeof(key));
		prev = key;
	}
	return total;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct bpf_object *obj;
	struct bpf_program *p, *want = NULL;
	struct bpf_link *link;
	char name[64];

	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "-o"))) {
		fprintf(stderr, "usage: twin OBJ KEY [-o FILE]\n");
		return 2;
	}
	out = argc == 5 ? fopen(argv[4], "w") : stdout;
	if (!out) {
		fprintf(stderr, "twin: %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	snprintf(name, sizeof(name), "tw_%s", argv[2]);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "twin: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		if (!strcmp(bpf_program__name(p), name))
			want = p;
		else
			bpf_program__set_autoload(p, false);
	}
	if (!want) {
		fprintf(stderr, "twin: no program %s in %s\n", name, argv[1]);
		return 1;
	}
	if (bpf_object__load(obj) || !(link = bpf_program__attach(want))) {
		fprintf(stderr, "twin: cannot load or attach %s: %s\n", name, strerror(errno));
		return 1;
	}
	if (!strcmp(argv[2], "printf")) {
		rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")),
				      on_line, NULL, NULL);
		if (!rb) {
			fprintf(stderr, "twin: ring buffer: %s\n", strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("__TWIN_ATTACHED__\n");
	fflush(stdout);
	while (!stop) {
		if (rb) {
			/* records come without wakeups (twin.bpf.c): read them every 10 ms */
			usleep(10000);
			ring_buffer__consume(rb);
		} else
			sleep(1);   /* a signal cuts it short */
	}
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
	bpf_link__destroy(link);
	fflush(out);
	if (!rb && strcmp(argv[2], "empty"))
		fprintf(stderr, "total %llu\n", map_total(obj, argv[2][0] == 'c' ? "count_map" :
							   argv[2][0] == 'k' ? "keyed_map" : "hist_map"));
	bpf_object__close(obj);
	return 0;
}
