/* output_flame: --flamegraph FILE: the folded lines of every map keyed by stacks, drawn by
 * hawk itself as an interactive SVG flame graph (no Perl, no other tool): a frame's width is
 * its share of the samples, callers below callees; hover shows a frame's name, count and share;
 * a click zooms into a frame; "Search" highlights frames whose name matches a regular
 * expression and tells their share; "Reset zoom" goes back; FILE#search=RE and FILE#zoom=NAME
 * open the page that way. The script is our own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_impl.h"
#include "common/arena.h"

struct fnode {
	char *name;
	uint64_t value;
	struct fnode *child, *next;   /* children in first-seen order */
};

static struct fnode *child_of(struct fnode *n, const char *name, size_t len)
{
	struct fnode **pp = &n->child;
	for (; *pp; pp = &(*pp)->next)
		if (strlen((*pp)->name) == len && !memcmp((*pp)->name, name, len))
			return *pp;
	struct fnode *c = xcalloc(1, sizeof(*c));
	c->name = xcalloc(1, len + 1);
	memcpy(c->name, name, len);
	*pp = c;
	return c;
}

void out_flame_add(struct out_sink *s, const char *frames, size_t len, uint64_t count)
{
	if (!s->flame || !count)
		return;
	if (!s->flame_root)
		s->flame_root = xcalloc(1, sizeof(struct fnode));
	struct fnode *n = s->flame_root;
	n->value += count;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && frames[j] != ';')
			j++;
		if (j > i) {
			n = child_of(n, frames + i, j - i);
			n->value += count;
		}
		i = j + 1;
	}
}

static void fnode_free(struct fnode *n)
{
	while (n) {
		struct fnode *next = n->next;
		fnode_free(n->child);
		free(n->name);
		free(n);
		n = next;
	}
}

void out_flame_free(struct out_sink *s)
{
	fnode_free(s->flame_root);
	s->flame_root = NULL;
}

enum { FL_WIDTH = 1200, FL_ROW = 16, FL_TOP = 50, FL_BOTTOM = 30, FL_PAD = 10 };

static void put_xml(FILE *f, const char *p)
{
	for (; *p; p++) {
		switch (*p) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*p, f);
		}
	}
}

static unsigned depth_of(const struct fnode *n)
{
	unsigned d = 0;
	for (const struct fnode *c = n->child; c; c = c->next) {
		unsigned cd = depth_of(c);
		if (cd > d)
			d = cd;
	}
	return d + 1;
}

/* Warm colours from the name, so that a function keeps its colour across graphs. */
static void colour(const char *name, unsigned *r, unsigned *g, unsigned *b)
{
	unsigned h = 5381;
	for (const char *p = name; *p; p++)
		h = h * 33 + (unsigned char)*p;
	*r = 205 + h % 50;
	*g = (h >> 8) % 190;
	*b = (h >> 16) % 55;
}

/* One frame and, above it, its callees: x is in samples from the left, depth counts from the
 * bottom row (the root, "all"). */
static void put_frames(FILE *f, const struct fnode *n, const char *name, uint64_t x,
		       unsigned depth, unsigned height, uint64_t total)
{
	double scale = (double)(FL_WIDTH - 2 * FL_PAD) / (double)total;
	double px = FL_PAD + (double)x * scale, pw = (double)n->value * scale;
	double py = FL_TOP + (double)(height - 1 - depth) * FL_ROW;
	unsigned r, g, b;
	colour(name, &r, &g, &b);
	fputs("<g class=\"f\"><title>", f);
	put_xml(f, name);
	fprintf(f, " (%llu samples, %.2f%%)</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
		"height=\"%d\" fill=\"rgb(%u,%u,%u)\" rx=\"2\"/><text x=\"%.2f\" y=\"%.1f\"></text></g>\n",
		(unsigned long long)n->value, 100.0 * (double)n->value / (double)total, px, py, pw,
		FL_ROW - 1, r, g, b, px + 3, py + 11.5);
	uint64_t cx = x;
	for (const struct fnode *c = n->child; c; c = c->next) {
		put_frames(f, c, c->name, cx, depth + 1, height, total);
		cx += c->value;
	}
}

/* The page's behaviour: each <g class="f"> keeps its first geometry in data attributes;
 * zooming recomputes x and width from them, names are cut to the width they have. */
static const char flame_js[] =
"<script type=\"text/ecmascript\"><![CDATA[\n"
"var W = %d, PAD = %d, frames = [], zoomed = null;\n"
"function label(g) {\n"
"  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
"  var name = g.querySelector('title').textContent.replace(/ \\([0-9]+ samples.*$/, '');\n"
"  var w = parseFloat(r.getAttribute('width')), n = Math.floor((w - 6) / 7);\n"
"  t.setAttribute('x', parseFloat(r.getAttribute('x')) + 3);\n"
"  t.textContent = n < 3 ? '' : (name.length <= n ? name : name.substring(0, n - 2) + '..');\n"
"}\n"
"function init() {\n"
"  var gs = document.querySelectorAll('g.f');\n"
"  for (var i = 0; i < gs.length; i++) {\n"
"    var r = gs[i].querySelector('rect');\n"
"    gs[i].dataset.x = r.getAttribute('x'); gs[i].dataset.w = r.getAttribute('width');\n"
"    gs[i].dataset.y = r.getAttribute('y');\n"
"    gs[i].addEventListener('click', function (e) { zoom(this); });\n"
"    frames.push(gs[i]); label(gs[i]);\n"
"  }\n"
"}\n"
"function zoom(g) {\n"
"  var x0 = parseFloat(g.dataset.x), w0 = parseFloat(g.dataset.w), y0 = parseFloat(g.dataset.y);\n"
"  var k = (W - 2 * PAD) / w0;\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var f = frames[i], r = f.querySelector('rect');\n"
"    var x = parseFloat(f.dataset.x), w = parseFloat(f.dataset.w), y = parseFloat(f.dataset.y);\n"
"    var inside = x >= x0 - 0.01 && x + w <= x0 + w0 + 0.01;\n"
"    var below = y > y0 && x <= x0 + 0.01 && x + w >= x0 + w0 - 0.01;\n"
"    if (y <= y0 && inside) {\n"
"      r.setAttribute('x', PAD + (x - x0) * k); r.setAttribute('width', w * k);\n"
"      f.style.display = ''; f.style.opacity = 1;\n"
"    } else if (below) {\n"
"      r.setAttribute('x', PAD); r.setAttribute('width', W - 2 * PAD);\n"
"      f.style.display = ''; f.style.opacity = 0.6;\n"
"    } else {\n"
"      f.style.display = 'none';\n"
"    }\n"
"    label(f);\n"
"  }\n"
"  document.getElementById('reset').style.opacity = 1;\n"
"}\n"
"function reset() {\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var f = frames[i], r = f.querySelector('rect');\n"
"    r.setAttribute('x', f.dataset.x); r.setAttribute('width', f.dataset.w);\n"
"    f.style.display = ''; f.style.opacity = 1; label(f);\n"
"  }\n"
"  document.getElementById('reset').style.opacity = 0;\n"
"}\n"
"function search(term) {\n"
"  if (term === undefined) term = prompt('Search (regular expression)', '');\n"
"  if (term === null) return;\n"
"  var re = new RegExp(term), total = 0, hit = 0, seen = [];\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var f = frames[i], r = f.querySelector('rect');\n"
"    var name = f.querySelector('title').textContent.replace(/ \\([0-9]+ samples.*$/, '');\n"
"    var w = parseFloat(f.dataset.w), x = parseFloat(f.dataset.x);\n"
"    if (parseFloat(f.dataset.y) == %d) total = w;\n"
"    if (!r.dataset.fill) r.dataset.fill = r.getAttribute('fill');\n"
"    if (term !== '' && re.test(name)) {\n"
"      r.setAttribute('fill', 'rgb(230,0,230)');\n"
"      var covered = false;\n"
"      for (var j = 0; j < seen.length; j++)\n"
"        if (x >= seen[j][0] && x + w <= seen[j][0] + seen[j][1] + 0.01) covered = true;\n"
"      if (!covered) { seen.push([x, w]); hit += w; }\n"
"    } else {\n"
"      r.setAttribute('fill', r.dataset.fill);\n"
"    }\n"
"  }\n"
"  document.getElementById('matched').textContent =\n"
"    term === '' || !total ? '' : 'Matched: ' + (100 * hit / total).toFixed(2) + '%%';\n"
"}\n"
"/* file.svg#search=REGEX or #zoom=NAME: open with a search or a zoom done (and testable) */\n"
"function fromHash() {\n"
"  var h = decodeURIComponent(location.hash.substring(1)), i;\n"
"  if (h.indexOf('search=') == 0) search(h.substring(7));\n"
"  if (h.indexOf('zoom=') == 0)\n"
"    for (i = 0; i < frames.length; i++)\n"
"      if (frames[i].querySelector('title').textContent.indexOf(h.substring(5) + ' (') == 0) {\n"
"        zoom(frames[i]); break;\n"
"      }\n"
"}\n"
"window.addEventListener('load', function () { init(); fromHash(); });\n"
"]]></script>\n";

void out_flame_write(struct out_sink *s)
{
	FILE *f = s->flame;
	if (!f)
		return;
	struct fnode *root = s->flame_root;
	uint64_t total = root ? root->value : 0;
	unsigned height = root ? depth_of(root) : 1;
	int h = FL_TOP + (int)height * FL_ROW + FL_BOTTOM;
	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style>text { font-family: monospace; font-size: 12px; fill: rgb(0,0,0); } "
		"g.f:hover rect { stroke: black; stroke-width: 0.5; cursor: pointer; } "
		"g.f text { pointer-events: none; } .ui { cursor: pointer; }</style>\n",
		FL_WIDTH, h, FL_WIDTH, h);
	fprintf(f, flame_js, FL_WIDTH, FL_PAD, FL_TOP + (int)(height - 1) * FL_ROW);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"rgb(250,250,238)\"/>\n"
		"<text x=\"%d\" y=\"24\" style=\"font-size: 17px\" text-anchor=\"middle\">"
		"Flame Graph (hawk)</text>\n"
		"<text id=\"reset\" class=\"ui\" x=\"%d\" y=\"24\" style=\"opacity: 0\" "
		"onclick=\"reset()\">Reset zoom</text>\n"
		"<text id=\"search\" class=\"ui\" x=\"%d\" y=\"24\" onclick=\"search()\">Search</text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\"></text>\n",
		FL_WIDTH, h, FL_WIDTH / 2, FL_PAD, FL_WIDTH - FL_PAD - 60, FL_WIDTH - FL_PAD - 150,
		h - 10);
	if (total)
		put_frames(f, root, "all", 0, 0, height, total);
	else
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no samples</text>\n",
			FL_WIDTH / 2, FL_TOP + 20);
	fputs("</svg>\n", f);
	fflush(f);
}
