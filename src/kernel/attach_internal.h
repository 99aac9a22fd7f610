/* Internals of src/kernel/attach.c, for its fuzz target. */
#ifndef MOAT_KERNEL_ATTACH_INTERNAL_H
#define MOAT_KERNEL_ATTACH_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

/* The offset of `field` from a tracefs format file's text in f: 0 and *off
 * (at most 65535), or -ENOENT. */
int kernel_tp_format_offset(FILE *f, const char *field, uint32_t *off);

#endif
