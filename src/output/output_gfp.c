/* output_gfp: printf's %gr, GFP allocation flags by name as the kernel's own traces print them. */
#include "output/output_impl.h"

#include <inttypes.h>

/* The base flags, each one bit: ___GFP_<NAME>_BIT in the kernel. The bits
 * are this kernel's (out_gfp_set_bit, from BTF); without them, the order
 * of include/linux/gfp_types.h in 6.x kernels up to ZEROTAGS. */
enum {
	G_DMA, G_HIGHMEM, G_DMA32, G_MOVABLE, G_RECLAIMABLE, G_HIGH, G_IO, G_FS, G_ZERO, G_UNUSED,
	G_DIRECT_RECLAIM, G_KSWAPD_RECLAIM, G_WRITE, G_NOWARN, G_RETRY_MAYFAIL, G_NOFAIL, G_NORETRY,
	G_MEMALLOC, G_COMP, G_NOMEMALLOC, G_HARDWALL, G_THISNODE, G_ACCOUNT, G_ZEROTAGS, G_SKIP_ZERO,
	G_SKIP_KASAN, G_NOLOCKDEP, G_NO_OBJ_EXT, G__COUNT
};

static const char *const base_names[G__COUNT] = {
	"DMA", "HIGHMEM", "DMA32", "MOVABLE", "RECLAIMABLE", "HIGH", "IO", "FS", "ZERO", "UNUSED",
	"DIRECT_RECLAIM", "KSWAPD_RECLAIM", "WRITE", "NOWARN", "RETRY_MAYFAIL", "NOFAIL", "NORETRY",
	"MEMALLOC", "COMP", "NOMEMALLOC", "HARDWALL", "THISNODE", "ACCOUNT", "ZEROTAGS", "SKIP_ZERO",
	"SKIP_KASAN", "NOLOCKDEP", "NO_OBJ_EXT",
};

/* -1: the kernel has no such flag (a config it was built without) */
static int bits[G__COUNT] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
	-1, -1, -1, -1,
};
static bool bits_from_kernel;

const char *out_gfp_base(unsigned i)
{
	return i < G__COUNT ? base_names[i] : NULL;
}

void out_gfp_set_bit(unsigned i, unsigned bit)
{
	if (!bits_from_kernel) {
		/* the kernel's numbers replace the defaults whole */
		for (unsigned k = 0; k < G__COUNT; k++)
			bits[k] = -1;
		bits_from_kernel = true;
	}
	if (i < G__COUNT && bit < 64)
		bits[i] = (int)bit;
}

static uint64_t flag(unsigned i)
{
	return bits[i] < 0 ? 0 : 1ull << bits[i];
}

/* The names the kernel's traces use, in the order they are tried (its
 * mmflags.h): a compound name takes its bits first, and the bits left
 * show by themselves, then as hex. Compounds are gfp_types.h's. */
void out_put_gfp(struct out_buf *b, uint64_t flags)
{
	uint64_t reclaim = flag(G_DIRECT_RECLAIM) | flag(G_KSWAPD_RECLAIM);
	uint64_t kernel = reclaim | flag(G_IO) | flag(G_FS);
	uint64_t user = kernel | flag(G_HARDWALL);
	uint64_t highuser = user | flag(G_HIGHMEM);
	uint64_t movable = highuser | flag(G_MOVABLE) | flag(G_SKIP_KASAN);
	uint64_t th_light = (movable | flag(G_COMP) | flag(G_NOMEMALLOC) | flag(G_NOWARN)) & ~reclaim;
	const struct { uint64_t mask; const char *name; } names[] = {
		{ th_light | flag(G_DIRECT_RECLAIM), "GFP_TRANSHUGE" },
		{ th_light, "GFP_TRANSHUGE_LIGHT" },
		{ movable, "GFP_HIGHUSER_MOVABLE" },
		{ highuser, "GFP_HIGHUSER" },
		{ user, "GFP_USER" },
		{ kernel | flag(G_ACCOUNT), "GFP_KERNEL_ACCOUNT" },
		{ kernel, "GFP_KERNEL" },
		{ reclaim | flag(G_IO), "GFP_NOFS" },
		{ flag(G_HIGH) | flag(G_KSWAPD_RECLAIM), "GFP_ATOMIC" },
		{ reclaim, "GFP_NOIO" },
		{ flag(G_KSWAPD_RECLAIM), "GFP_NOWAIT" },
		{ flag(G_DMA), "GFP_DMA" },
		{ flag(G_HIGHMEM), "__GFP_HIGHMEM" },
		{ flag(G_DMA32), "GFP_DMA32" },
		{ flag(G_HIGH), "__GFP_HIGH" },
		{ flag(G_IO), "__GFP_IO" },
		{ flag(G_FS), "__GFP_FS" },
		{ flag(G_ZERO), "__GFP_ZERO" },
		{ flag(G_DIRECT_RECLAIM), "__GFP_DIRECT_RECLAIM" },
		{ flag(G_KSWAPD_RECLAIM), "__GFP_KSWAPD_RECLAIM" },
		{ flag(G_WRITE), "__GFP_WRITE" },
		{ flag(G_NOWARN), "__GFP_NOWARN" },
		{ flag(G_RETRY_MAYFAIL), "__GFP_RETRY_MAYFAIL" },
		{ flag(G_NOFAIL), "__GFP_NOFAIL" },
		{ flag(G_NORETRY), "__GFP_NORETRY" },
		{ flag(G_MEMALLOC), "__GFP_MEMALLOC" },
		{ flag(G_COMP), "__GFP_COMP" },
		{ flag(G_NOMEMALLOC), "__GFP_NOMEMALLOC" },
		{ flag(G_HARDWALL), "__GFP_HARDWALL" },
		{ flag(G_THISNODE), "__GFP_THISNODE" },
		{ flag(G_ACCOUNT), "__GFP_ACCOUNT" },
		{ flag(G_ZEROTAGS), "__GFP_ZEROTAGS" },
		{ flag(G_SKIP_ZERO), "__GFP_SKIP_ZERO" },
		{ flag(G_SKIP_KASAN), "__GFP_SKIP_KASAN" },
		{ flag(G_NO_OBJ_EXT), "__GFP_NO_OBJ_EXT" },
		{ flag(G_RECLAIMABLE), "__GFP_RECLAIMABLE" },
		{ flag(G_MOVABLE), "__GFP_MOVABLE" },
	};
	if (!flags) {
		out_buf_putc(b, '0');
		return;
	}
	uint64_t left = flags;
	bool first = true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!names[i].mask || (left & names[i].mask) != names[i].mask)
			continue;
		out_buf_printf(b, "%s%s", first ? "" : "|", names[i].name);
		left &= ~names[i].mask;
		first = false;
	}
	if (left)
		out_buf_printf(b, "%s0x%" PRIx64, first ? "" : "|", left);
}
