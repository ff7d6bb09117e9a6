/* config: bpftrace's settings in one table: BPFTRACE_* environment variables, their HAWK_* twins, config blocks. */
#ifndef HAWK_CONFIG_H
#define HAWK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every setting hawk knows, by current bpftrace's name (its config key).
 * The table in config.c gives each one its type, range, legacy names and
 * what hawk does with it. */
enum cfg_key {
	CFG_MAX_STRLEN,
	CFG_MAX_MAP_KEYS,
	CFG_MAX_CAT_BYTES,
	CFG_LOG_SIZE,
	CFG_PERF_RB_PAGES,
	CFG_MAX_PROBES,
	CFG_MAX_BPF_PROGS,
	CFG_STACK_MODE,
	CFG_LICENSE,
	CFG_PRINT_MAPS_ON_EXIT,
	CFG_CPP_DEMANGLE,
	CFG_STR_TRUNC_TRAILER,
	CFG_MISSING_PROBES,
	CFG_ON_STACK_LIMIT,
	CFG_CACHE_USER_SYMBOLS,
	CFG_LAZY_SYMBOLICATION,
	CFG_SHOW_DEBUG_INFO,
	CFG_USE_BLAZESYM,
	CFG_SYSCALL_DISPATCH,   /* hawk's own: how syscall tracepoints are served */
	/* environment only (bpftrace reads them outside its config) */
	CFG_BTF,
	CFG_VMLINUX,
	CFG_KERNEL_SOURCE,
	CFG_KERNEL_BUILD,
	CFG_COLOR,
	CFG_NO_USER_SYMBOLS,
	CFG_NODE_MAX,
	CFG_MAX_TYPE_RES_ITERATIONS,
	CFG_VERIFY_LLVM_IR,
	CFG__COUNT
};

enum cfg_stack_mode { CFG_STACK_BPFTRACE, CFG_STACK_PERF, CFG_STACK_RAW, CFG_STACK_BUILD_ID };
enum cfg_missing { CFG_MISSING_ERROR, CFG_MISSING_WARN, CFG_MISSING_IGNORE };
enum cfg_color { CFG_COLOR_AUTO, CFG_COLOR_ALWAYS, CFG_COLOR_NEVER };
enum cfg_sysdisp { CFG_SYSDISP_AUTO, CFG_SYSDISP_ALWAYS, CFG_SYSDISP_NEVER };

/* The values. Integers and enums are u64; strings borrow the environment or
 * the script (they live as long as the run). */
struct cfg {
	uint64_t v[CFG__COUNT];
	const char *s[CFG__COUNT];
	bool from_env[CFG__COUNT];   /* the environment wins over a config block */
	const char *env_name[CFG__COUNT];  /* the variable that set it, for messages */
};

/* Current bpftrace's defaults (hawk's where they differ, said in the table). */
void cfg_init(struct cfg *c);

/* Reads every setting's variables: HAWK_<KEY>, HAWK_ + 0.17's suffix
 * (HAWK_MAP_KEYS_MAX), BPFTRACE_<KEY>, then bpftrace 0.17's name
 * (BPFTRACE_STRLEN, BPFTRACE_NO_CPP_DEMANGLE...); the first one set wins. Returns 0, or -1 with "NAME=VALUE: what was expected"
 * in err. */
int cfg_load_env(struct cfg *c, char *err, size_t errlen);

/* A config block's `key = value` (value as written: a number, an
 * identifier or a string's text). The key is matched in any case, with or
 * without a "bpftrace_" prefix, as bpftrace does; renamed keys and the
 * environment-only ones are errors, as in bpftrace. A key the environment
 * set keeps the environment's value. Returns 0, or -1 with a message. */
int cfg_set_script(struct cfg *c, const char *key, const char *value, char *err, size_t errlen);

/* Convenience: the value of an integer, boolean or enum setting. */
static inline uint64_t cfg_u(const struct cfg *c, enum cfg_key k)
{
	return c->v[k];
}

static inline const char *cfg_str(const struct cfg *c, enum cfg_key k)
{
	return c->s[k];
}

/* Current bpftrace's config key of k ("max_strlen"). */
const char *cfg_name(enum cfg_key k);

/* How config() reads a setting: an integer, a bool, or a string (an enum's
 * name or a string's text); NONE for those read from the environment only. */
enum cfg_val { CFG_VAL_NONE, CFG_VAL_INT, CFG_VAL_BOOL, CFG_VAL_STRING };
enum cfg_val cfg_val_kind(enum cfg_key k);

#endif
