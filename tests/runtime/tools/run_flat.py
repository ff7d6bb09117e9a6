#!/usr/bin/env python3
"""Runs a flat binary (raw x86-64 code, no ELF): maps FILE executable and calls its first byte
as `int f(void)`, and exits with its result. The target of a uprobe at a file offset (--unsafe)."""
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                      ctypes.c_long]
PROT_READ, PROT_EXEC, MAP_PRIVATE = 1, 4, 2
fd = os.open(sys.argv[1], os.O_RDONLY)
addr = libc.mmap(None, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0)
if addr in (None, ctypes.c_void_p(-1).value):
    sys.exit("mmap: " + os.strerror(ctypes.get_errno()))
sys.exit(ctypes.CFUNCTYPE(ctypes.c_int)(addr)())
