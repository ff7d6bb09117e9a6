/* probe_tracepoint: tracepoint:CATEGORY:EVENT, the event directories under tracefs events/. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/fs.h"
#include "probes/point.h"
#include "probes/provider.h"
#include "probes/tracefs.h"

struct walk {
	const char *cat_pat, *ev_pat;
	const char *cat;        /* category being read */
	int events;             /* events/ dirfd */
	struct rt_out *out;
};

static int add_event(const char *name, bool is_dir, void *arg)
{
	struct walk *w = arg;
	if (is_dir && rt_glob(w->ev_pat, name, strlen(name)))
		rt_out_addf(w->out, NULL, "%s:%s", w->cat, name);
	return 0;
}

static int walk_category(struct walk *w, const char *cat)
{
	/* ftrace's events (function, print, ...) describe the ring buffer's own
	 * records; they cannot be opened as perf events, and bpftrace hides them. */
	if (!strcmp(cat, "ftrace"))
		return 0;
	int fd = openat(w->events, cat, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	w->cat = cat;
	int err = rt_fs_dir_each(fd, add_event, w);
	close(fd);
	return err;
}

static int add_category(const char *name, bool is_dir, void *arg)
{
	struct walk *w = arg;
	if (!is_dir || !rt_glob(w->cat_pat, name, strlen(name)))
		return 0;
	return walk_category(w, name);
}

static int list_tracepoints(const struct rt_match *m, struct rt_out *out)
{
	int events = rt_tracefs_events(m->d);
	if (events < 0)
		return events;
	struct walk w = { .cat_pat = rt_match_part(m, 0, 2), .ev_pat = rt_match_part(m, 1, 2),
			  .events = events, .out = out };
	int err;
	if (rt_has_wild(w.cat_pat)) {
		err = rt_fs_dir_each(events, add_category, &w);
	} else {
		err = walk_category(&w, w.cat_pat);
	}
	if (err < 0) {
		diag_plain(m->d, DIAG_ERROR, "cannot read %s/events: %s", rt_tracefs_path(),
			   strerror(-err));
		return err;
	}
	return 0;
}

/* -lv: the format file's fields after the common_* ones (which end at the
 * first blank line), as "    TYPE NAME", exactly the text bpftrace prints. */
static void describe_tracepoint(const struct rt_match *m, const char *entry, void *cookie,
				FILE *f)
{
	char path[512];
	const char *colon = strchr(entry, ':');
	if (!colon)
		return;
	snprintf(path, sizeof(path), "%.*s/%s/format", (int)(colon - entry), entry, colon + 1);
	char *text = rt_fs_read(rt_tracefs_events(NULL), path, NULL);
	if (!text)
		return;
	char *p = strstr(text, "\n\n");
	while (p && (p = strchr(p + 1, '\n'))) {
		char *line = p + 1;
		if (strncmp(line, "\tfield:", 7))
			continue;
		char *semi = strchr(line, ';');
		if (semi)
			fprintf(f, "    %.*s\n", (int)(semi - line - 7), line + 7);
	}
	free(text);
}

static void parse_tracepoint(struct pt_ctx *c, struct probe_point *pt, char **parts, int n)
{
	if (!pt_need_parts(c, pt, n, 3, 3, "tracepoint:CATEGORY:EVENT"))
		return;
	pt->target = parts[1];
	pt->func = parts[2];
	if (!parts[1][0] || !parts[2][0])
		pt_err(c, "tracepoint category and event must not be empty");
}

static unsigned parts_tracepoint(const struct probe_point *pt, const char **parts)
{
	if (!pt->func)
		return 0;
	parts[0] = pt->target ? pt->target : "*";
	parts[1] = pt->func;
	return 2;
}

const struct rt_provider rt_prov_tracepoint = {
	.type = PROBE_TRACEPOINT, .name = "tracepoint", .form = "tracepoint:CATEGORY:EVENT",
	.max_parts = 2, .flags = RT_PROV_WILD | RT_PROV_PID_FILTER,
	.wildcards = true, .parse = parse_tracepoint, .parts = parts_tracepoint,
	.list = list_tracepoints, .describe = describe_tracepoint,
	.expand = RT_EXPAND_CATALOGUE, .args = RT_ARGS_TRACEPOINT,
	.section = "tracepoint", .section_form = RT_SEC_TARGET_FUNC,
	.attach = RT_ATTACH_TRACEPOINT,
};
