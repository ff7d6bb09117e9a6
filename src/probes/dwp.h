/* dwp: the split units of a DWARF package (.dwp), each opened as the .dwo it was packed from. */
#ifndef HAWK_RT_DWP_H
#define HAWK_RT_DWP_H

#include <stdint.h>

#include <elfutils/libdw.h>

/* A DWARF package file: the .dwo files of a program's split units
 * (-gsplit-dwarf) merged into one, which `dwp` or `llvm-dwp` writes beside
 * the program as PROGRAM.dwp. libdw before 0.191 cannot read one, so each
 * unit is cut out of it by the package's unit index and handed to libdw as
 * the .dwo it was. Owns its file and every unit it opens. */
struct rt_dwp;

/* The package at path; NULL when there is none or it has no unit index. */
struct rt_dwp *rt_dwp_open(const char *path);
void rt_dwp_free(struct rt_dwp *p);

/* The split unit whose DWO id (the skeleton unit's) is dwo_id, opened on
 * first ask and kept: NULL when the package does not hold it. Its
 * addresses (DW_FORM_addrx) are the skeleton's and do not resolve here;
 * names, types and parameters do. */
Dwarf *rt_dwp_unit(struct rt_dwp *p, uint64_t dwo_id);

#endif
