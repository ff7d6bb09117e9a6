/* verifier: a rejected program's verifier log turned into one error in plain words, at the script line. */
#ifndef HAWK_RT_VERIFIER_H
#define HAWK_RT_VERIFIER_H

#include "common/diag.h"

/* A verifier rejection in plain words. */
struct rt_verifier_report {
	char raw[256];            /* the verifier's last meaningful line */
	const char *plain;        /* what it means, NULL when no rule knows the line */
	char file[128];           /* from the last "; ... @ FILE:LINE" before it; "" if none */
	unsigned line;            /* 0 if none */
};

/* Reads a verifier log (as the kernel writes it at log level 1 or 2). */
void rt_verifier_explain(const char *log, struct rt_verifier_report *r);

/* One error for a rejected program: the probe, the reason in plain words,
 * and the script line (with the source shown when d knows FILE, as codegen's
 * line info names it: desc.source_name). */
void rt_verifier_error(struct diag *d, const char *probe, const char *log);

#endif
