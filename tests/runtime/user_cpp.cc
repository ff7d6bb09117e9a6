// user_cpp: C++ functions for the uprobe:BIN:cpp:"ns::fn" cases: a namespace, an overload, a method.
#include <unistd.h>

namespace ns {
struct S {
	__attribute__((noinline)) int fn(int x) { return x + 1; }
};
__attribute__((noinline)) int fn(int x) { return x * 2; }
__attribute__((noinline)) int fn(long x) { return static_cast<int>(x) * 3; }
}

volatile int sink;

int main()
{
	ns::S s;
	for (int i = 0; i < 2; i++) {
		sink = s.fn(i);
		sink = ns::fn(i);
		sink = ns::fn(static_cast<long>(i) + 10);
		usleep(1000);
	}
}
