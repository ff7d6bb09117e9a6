/* hawk_incomplete.h: incomplete structs for ctypes.test (-I tests/runtime/include). */
struct fwd;
struct usesfwd {
	struct fwd *p;
};
/* hawk cannot read this one (an unknown type): it stays incomplete, quietly */
struct bad {
	int x;
	weird_t y;
};
#define FROM_HEADER 7
