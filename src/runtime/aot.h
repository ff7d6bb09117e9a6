/* aot: the ahead-of-time artifact: the BPF object and its description in one versioned file. */
#ifndef HAWK_RT_AOT_H
#define HAWK_RT_AOT_H

#include <stdint.h>

#include "common/arch.h"
#include "common/arena.h"
#include "common/config.h"
#include "common/diag.h"
#include "common/desc.h"

/* The file: a 32-byte header, then the payload.
 *   u8  magic[8]     AOT_MAGIC
 *   u32 version      AOT_VERSION: bumped whenever the payload's layout changes
 *   u32 arch         enum arch + 1 (--target-arch; 0: x86_64, as before it was kept)
 *   u64 size         payload bytes
 *   u32 crc          zlib crc32 of the payload
 *   u32 reserved     0
 * The payload (little-endian, as the machines hawk targets): the compiling
 * machine's possible CPU count, the diagnostic sources (for located runtime
 * warnings), the type table, then the desc and the ELF. Facts of the running
 * machine (boot time, CPUs for `ncpus`, page size) are not in it: the runtime
 * reads them at load. The positional parameters the run gives are set at load
 * too (desc.params: the compile's, and how the code reads each).
 * Version 2: desc.params. */
#define AOT_MAGIC "HAWKAOT\x01"
#define AOT_VERSION 4u
#define AOT_HEADER_SIZE 32u

/* Writes d (with the sources registered in dg) to path. ncpus: the possible
 * CPUs the code was made for (per-CPU loops are unrolled to it). Returns 0,
 * or -1 after an error through dg. */
int aot_write(const char *path, const struct desc *d, struct diag *dg, uint32_t ncpus,
	      const struct cfg *c, enum arch arch);

/* Reads an artifact into a desc in a; its sources are registered in dg.
 * *ncpus: the count it was compiled for. The run settings the compile had
 * (defaults or a config block's) are set in c where the environment did not
 * set them (call after cfg_load_env). NULL after one error through dg
 * ("not a hawk artifact", "truncated", "corrupt", "format version N"). */
struct desc *aot_read(const char *path, struct arena *a, struct diag *dg, uint32_t *ncpus,
		      struct cfg *c);

#endif
