/* sys32: a 32-bit (i386) program without libc that makes compat system calls
 * through int $0x80: 100 getpid (i386 20, which is writev on x86-64), 50
 * getppid (i386 64, semget on x86-64), then exit (i386 1, write on x86-64).
 * Built with -m32 -nostdlib; the syscall dispatch must not take these for
 * the 64-bit syscalls of the same numbers (tests/runtime/sysdisp.test). */
static long sys1(long nr, long a)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a) : "memory");
	return r;
}

void _start(void);
void _start(void)
{
	for (int i = 0; i < 100; i++)
		sys1(20, 0);
	for (int i = 0; i < 50; i++)
		sys1(64, 0);
	sys1(1, 0);
	for (;;)
		;
}
