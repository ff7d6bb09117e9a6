/* usym: user-space addresses to symbols, for ustack and usym(). */
#ifndef HAWK_RT_USYM_H
#define HAWK_RT_USYM_H

#include <stdbool.h>
#include <stdint.h>

#include "probes/dwarf.h"

/* Each pid's mappings are read from /proc/PID/maps (and /tmp/perf-PID.map
 * for JIT-ed code) the first time the pid is seen and kept for the whole
 * run, so a process that has exited by the time its stacks print (maps at
 * exit) still has its symbols; each object's function symbols (.symtab,
 * .dynsym, a separate debug file's through build id or .gnu_debuglink) are
 * read once, whatever process maps it. */
struct rt_usyms;

struct rt_usyms *rt_usyms_new(void);
void rt_usyms_free(struct rt_usyms *u);

/* Snapshot pid's mappings now, unless they are already known. */
void rt_usyms_note_pid(struct rt_usyms *u, uint32_t pid);

/* A probed binary: when a pid's mappings were never read (it exited before
 * hawk saw it), an address inside one of this binary's segments is
 * symbolised from it, if it is position-dependent (ET_EXEC: its addresses
 * are its link addresses in every process). */
void rt_usyms_add_exec(struct rt_usyms *u, const char *path);

/* The function holding addr in pid: its name, *off the offset into it,
 * *module the object's path (for perf mode). NULL when unknown. The
 * strings live as long as u. */
const char *rt_usyms_find(struct rt_usyms *u, uint32_t pid, uint64_t addr, uint64_t *off,
			  const char **module);

/* ustack(build_id): the build id (hex) of the object mapped at addr in
 * pid, and addr's offset in that file; false when unknown. */
bool rt_usyms_build_id(struct rt_usyms *u, uint32_t pid, uint64_t addr, const char **id, uint64_t *foff);

/* The source frames of addr in pid (rt_dwarf_src_frames): from the DWARF of
 * the object mapped there, read once per object. The count, 0 when none. */
int rt_usyms_src(struct rt_usyms *u, uint32_t pid, uint64_t addr, struct rt_src_frame *out, int max);

#endif
