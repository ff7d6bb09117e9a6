/* hawk_test.h: a header for the C-definition runtime cases (-I tests/runtime/include). */
#ifndef HAWK_TEST_H
#define HAWK_TEST_H

#include <stdint.h>

#define HT_ANSWER 42
#define HT_NAME "hawk"
#define HT_SHIFTED (HT_ANSWER << 2)
#define HT_MUL(a, b) ((a) * (b))

#ifdef HT_UNDEFINED
#error "never seen: this branch is not taken"
#else
#define HT_BRANCH 2
#endif

#if defined(__x86_64__) && HT_ANSWER > 40
#define HT_ARCH 64
#endif

enum ht_colour { HT_RED = 1, HT_GREEN, HT_BLUE = 1 << 4 };

struct ht_pair {
	uint32_t a;
	uint64_t b;
	char name[6];
	unsigned int lo : 4, hi : 4;
};

typedef struct ht_pair ht_pair_t;

#endif
