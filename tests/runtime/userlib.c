/* userlib: a shared library with a function and a USDT probe, for uprobe:LIB and usdt:LIB cases. */
#include <sys/sdt.h>

#include "user.h"

__attribute__((noipa)) int userlib_mul(int a, int b)
{
	DTRACE_PROBE2(hawk_lib, mul, a, b);
	return a * b;
}
