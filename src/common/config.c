/* config: bpftrace's settings in one table: BPFTRACE_* environment variables, their HAWK_* twins, config blocks. */
#include "common/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum cfg_type { T_UINT, T_BOOL, T_ENUM, T_STRING, T_FILE };

static const char *const stack_modes[] = { "bpftrace", "perf", "raw", "build_id", NULL };
static const char *const missing[] = { "error", "warn", "ignore", NULL };
static const char *const colors[] = { "auto", "always", "never", NULL };
static const char *const sysdisp[] = { "auto", "always", "never", NULL };
static const char *const sym_caches[] = { "per_pid", "per_program", "none", NULL };
/* The GPL-compatible strings the kernel accepts for GPL-only helpers. */
static const char *const licenses[] = { "GPL", "GPL v2", "GPL and additional rights",
					"Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL", NULL };

struct def {
	const char *key;        /* current bpftrace's config key; the variable is BPFTRACE_KEY */
	const char *legacy;     /* bpftrace 0.17's variable when it differs */
	enum cfg_type type;
	uint64_t def, min, max; /* T_UINT; def is the index for T_ENUM, 0/1 for T_BOOL */
	const char *sdef;       /* T_STRING */
	const char *const *names;   /* T_ENUM (matched in any case) */
	bool legacy_inverted;   /* the 0.17 variable means the opposite (NO_CPP_DEMANGLE) */
	bool env_only;          /* bpftrace reads it from the environment alone */
};

/* Ranges: max_strlen up to 64 KiB (a string that large already lives in
 * per-CPU scratch); the ring buffer up to 1 GiB; a verifier log of at least
 * 128 bytes, the kernel's minimum. */
static const struct def defs[CFG__COUNT] = {
	[CFG_MAX_STRLEN] = { "max_strlen", "BPFTRACE_STRLEN", T_UINT, 1024, 1, 65536, NULL, NULL, false, false },
	[CFG_MAX_MAP_KEYS] = { "max_map_keys", "BPFTRACE_MAP_KEYS_MAX", T_UINT, 4096, 1, UINT32_MAX, NULL, NULL, false, false },
	[CFG_MAX_CAT_BYTES] = { "max_cat_bytes", "BPFTRACE_CAT_BYTES_MAX", T_UINT, 10240, 1, UINT64_MAX, NULL, NULL, false, false },
	[CFG_LOG_SIZE] = { "log_size", NULL, T_UINT, 1000000, 128, UINT32_MAX >> 2, NULL, NULL, false, false },
	/* hawk's ring buffer is 4 MiB (1024 pages) by default */
	[CFG_PERF_RB_PAGES] = { "perf_rb_pages", NULL, T_UINT, 1024, 1, 262144, NULL, NULL, false, false },
	[CFG_MAX_PROBES] = { "max_probes", NULL, T_UINT, 1024, 1, UINT32_MAX, NULL, NULL, false, false },
	[CFG_MAX_BPF_PROGS] = { "max_bpf_progs", NULL, T_UINT, 1024, 1, UINT32_MAX, NULL, NULL, false, false },
	[CFG_STACK_MODE] = { "stack_mode", NULL, T_ENUM, CFG_STACK_BPFTRACE, 0, 0, NULL, stack_modes, false, false },
	[CFG_LICENSE] = { "license", NULL, T_ENUM, 0, 0, 0, NULL, licenses, false, false },
	[CFG_PRINT_MAPS_ON_EXIT] = { "print_maps_on_exit", NULL, T_BOOL, 1, 0, 1, NULL, NULL, false, false },
	[CFG_CPP_DEMANGLE] = { "cpp_demangle", "BPFTRACE_NO_CPP_DEMANGLE", T_BOOL, 1, 0, 1, NULL, NULL, true, false },
	[CFG_STR_TRUNC_TRAILER] = { "str_trunc_trailer", NULL, T_STRING, 0, 0, 0, "..", NULL, false, false },
	[CFG_MISSING_PROBES] = { "missing_probes", NULL, T_ENUM, CFG_MISSING_ERROR, 0, 0, NULL, missing, false, false },
	[CFG_ON_STACK_LIMIT] = { "on_stack_limit", NULL, T_UINT, 32, 0, 512, NULL, NULL, false, false },
	[CFG_CACHE_USER_SYMBOLS] = { "cache_user_symbols", NULL, T_ENUM, 0, 0, 0, NULL, sym_caches, false, false },
	[CFG_LAZY_SYMBOLICATION] = { "lazy_symbolication", NULL, T_BOOL, 0, 0, 1, NULL, NULL, false, false },
	[CFG_SHOW_DEBUG_INFO] = { "show_debug_info", NULL, T_BOOL, 0, 0, 1, NULL, NULL, false, false },
	[CFG_USE_BLAZESYM] = { "use_blazesym", NULL, T_BOOL, 0, 0, 1, NULL, NULL, false, false },
	/* hawk's own (not bpftrace's): syscall tracepoints served by one program on the raw
	 * syscall tracepoints ("always" where the blocks allow it), one perf event each
	 * ("never"), or chosen by how many there are ("auto": from 16 on; bench/README.md) */
	[CFG_SYSCALL_DISPATCH] = { "syscall_dispatch", NULL, T_ENUM, CFG_SYSDISP_AUTO, 0, 0, NULL, sysdisp, false, false },
	[CFG_BTF] = { "btf", NULL, T_FILE, 0, 0, 0, NULL, NULL, false, true },
	[CFG_VMLINUX] = { "vmlinux", NULL, T_FILE, 0, 0, 0, NULL, NULL, false, true },
	[CFG_KERNEL_SOURCE] = { "kernel_source", NULL, T_FILE, 0, 0, 0, NULL, NULL, false, true },
	[CFG_KERNEL_BUILD] = { "kernel_build", NULL, T_FILE, 0, 0, 0, NULL, NULL, false, true },
	[CFG_COLOR] = { "color", NULL, T_ENUM, CFG_COLOR_AUTO, 0, 0, NULL, colors, false, true },
	[CFG_NO_USER_SYMBOLS] = { "no_user_symbols", NULL, T_BOOL, 0, 0, 1, NULL, NULL, false, true },
	[CFG_NODE_MAX] = { "node_max", NULL, T_UINT, 0, 0, UINT64_MAX, NULL, NULL, false, true },
	[CFG_MAX_TYPE_RES_ITERATIONS] = { "max_type_res_iterations", NULL, T_UINT, 0, 0, UINT64_MAX, NULL, NULL, false, true },
	[CFG_VERIFY_LLVM_IR] = { "verify_llvm_ir", NULL, T_BOOL, 0, 0, 1, NULL, NULL, false, true },
};

/* Keys current bpftrace renamed; a config block that uses the old name is
 * told the new one, as bpftrace tells it. */
static const struct { const char *old, *now; } renamed[] = {
	{ "strlen", "max_strlen" },
	{ "no_cpp_demangle", "cpp_demangle" },
	{ "cat_bytes_max", "max_cat_bytes" },
	{ "map_keys_max", "max_map_keys" },
};

const char *cfg_name(enum cfg_key k)
{
	return defs[k].key;
}

enum cfg_val cfg_val_kind(enum cfg_key k)
{
	if (defs[k].env_only)
		return CFG_VAL_NONE;
	switch (defs[k].type) {
	case T_UINT: return CFG_VAL_INT;
	case T_BOOL: return CFG_VAL_BOOL;
	case T_ENUM: case T_STRING: return CFG_VAL_STRING;
	case T_FILE: break;
	}
	return CFG_VAL_NONE;
}

void cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	for (int k = 0; k < CFG__COUNT; k++) {
		c->v[k] = defs[k].def;
		c->s[k] = defs[k].type == T_ENUM ? defs[k].names[defs[k].def] : defs[k].sdef;
	}
}

static bool parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return *b = true, true;
		if (!strcasecmp(s, no[i]))
			return *b = false, true;
	}
	return false;
}

/* Parses value into setting k. `name` is what the user wrote (a variable or
 * a key), for the message. */
static int set(struct cfg *c, enum cfg_key k, const char *name, const char *value, bool inverted,
	       char *err, size_t n)
{
	const struct def *d = &defs[k];
	switch (d->type) {
	case T_UINT: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(value, &end, 0);
		if (!*value || *end || errno || value[0] == '-' || (v == 0 && d->min == 1)) {
			snprintf(err, n, "%s=%s: expected a %swhole number", name, value,
				 d->min == 1 ? "positive " : "");
			return -1;
		}
		if (v < d->min || v > d->max) {
			snprintf(err, n, "%s=%s: out of range [%llu, %llu]", name, value,
				 (unsigned long long)d->min, (unsigned long long)d->max);
			return -1;
		}
		c->v[k] = v;
		return 0;
	}
	case T_BOOL: {
		bool b;
		if (!parse_bool(value, &b)) {
			snprintf(err, n, "%s=%s: expected true or false (1 or 0)", name, value);
			return -1;
		}
		c->v[k] = b != inverted;
		return 0;
	}
	case T_ENUM:
		for (uint64_t i = 0; d->names[i]; i++) {
			if (!strcasecmp(value, d->names[i])) {
				c->v[k] = i;
				c->s[k] = d->names[i];
				return 0;
			}
		}
		if (k == CFG_LICENSE) {
			/* current bpftrace's words and order (tools match them) */
			snprintf(err, n, "Invalid value for license. Found: %s. Valid values: Dual MIT/GPL, "
				 "Dual BSD/GPL, Dual MPL/GPL, GPL and additional rights, GPL v2, GPL%s%s%s",
				 value, strchr(name, '_') ? " (" : "", strchr(name, '_') ? name : "",
				 strchr(name, '_') ? ")" : "");
			return -1;
		}
		{
			size_t len = (size_t)snprintf(err, n, "%s=%s: expected one of", name, value);
			for (uint64_t i = 0; d->names[i] && len < n; i++)
				len += (size_t)snprintf(err + len, n - len, "%s '%s'", i ? "," : "",
							d->names[i]);
		}
		return -1;
	case T_STRING:
		c->s[k] = value;
		return 0;
	case T_FILE:
		if (access(value, R_OK)) {
			snprintf(err, n, "%s=%s: %s", name, value, strerror(errno));
			return -1;
		}
		c->s[k] = value;
		return 0;
	}
	return -1;
}

static void upper(char *dst, size_t n, const char *prefix, const char *key)
{
	size_t i = 0;
	for (const char *p = prefix; *p && i + 1 < n; p++)
		dst[i++] = *p;
	for (const char *p = key; *p && i + 1 < n; p++)
		dst[i++] = (char)toupper((unsigned char)*p);
	dst[i] = '\0';
}

int cfg_load_env(struct cfg *c, char *err, size_t errlen)
{
	for (int k = 0; k < CFG__COUNT; k++) {
		/* HAWK_KEY, HAWK_ + 0.17's suffix (HAWK_MAP_KEYS_MAX), BPFTRACE_KEY,
		 * 0.17's BPFTRACE_ name */
		char hawk[64], hawk_old[64], bt[64];
		upper(hawk, sizeof(hawk), "HAWK_", defs[k].key);
		upper(bt, sizeof(bt), "BPFTRACE_", defs[k].key);
		const char *legacy = defs[k].legacy;
		if (legacy)
			upper(hawk_old, sizeof(hawk_old), "HAWK_", legacy + strlen("BPFTRACE_"));
		const char *names[4] = { hawk, legacy ? hawk_old : NULL, bt, legacy };
		for (int i = 0; i < 4; i++) {
			const char *v = names[i] ? getenv(names[i]) : NULL;
			if (!v)
				continue;
			bool old = i == 1 || i == 3;
			if (set(c, (enum cfg_key)k, names[i], v, old && defs[k].legacy_inverted, err, errlen))
				return -1;
			c->from_env[k] = true;
			c->env_name[k] = i < 2 ? NULL : names[i];
			break;
		}
	}
	return 0;
}

int cfg_set_script(struct cfg *c, const char *key, const char *value, char *err, size_t errlen)
{
	char low[64];
	size_t i = 0;
	for (; key[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	const char *k = low;
	if (!strncmp(k, "bpftrace_", 9))
		k += 9;
	for (size_t r = 0; r < sizeof(renamed) / sizeof(renamed[0]); r++) {
		if (!strcmp(k, renamed[r].old)) {
			snprintf(err, errlen, "%s: key has been renamed to '%s'", key, renamed[r].now);
			return -1;
		}
	}
	for (int j = 0; j < CFG__COUNT; j++) {
		if (strcmp(k, defs[j].key))
			continue;
		if (defs[j].env_only) {
			snprintf(err, errlen, "%s: can only be set as an environment variable", key);
			return -1;
		}
		if (c->from_env[j])
			return 0;
		return set(c, (enum cfg_key)j, key, value, false, err, errlen);
	}
	snprintf(err, errlen, "%s: not a known configuration option", key);
	return -1;
}
