/* user.h: the shared library of the user-space probe cases (userlib.c). */
#ifndef HAWK_TEST_USER_H
#define HAWK_TEST_USER_H

int userlib_mul(int a, int b);

#endif
