/*
 * moat — safe kernel extension and isolation, built around its own BPF engine.
 *
 * This umbrella header pulls in the whole public API.  Conventions shared by
 * every header in include/moat/:
 *   - functions that can fail return 0 / a negative errno, or NULL, and take
 *     `struct moat_error *err` last (may be NULL);
 *   - objects from `_new`/`_open` are released with the matching `_free`;
 *   - option structs are size-stamped: declare them with MOAT_OPTS().
 */
#ifndef MOAT_MOAT_H
#define MOAT_MOAT_H

#include <moat/common.h>
#include <moat/error.h>
#include <moat/insn.h>
#include <moat/prog.h>
#include <moat/map.h>
#include <moat/helper.h>
#include <moat/asm.h>
#include <moat/cbpf.h>
#include <moat/elf.h>
#include <moat/vm.h>
#include <moat/verify.h>
#include <moat/conformance.h>
#include <moat/builder.h>
#include <moat/devices.h>
#include <moat/kernel.h>
#include <moat/kernel_attach.h>
#include <moat/kernel_cgroup.h>
#include <moat/kernel_netdev.h>
#include <moat/filter.h>
#include <moat/fw.h>
#include <moat/trace.h>
#include <moat/kernel_inventory.h>
#include <moat/audit.h>
#include <moat/sandbox.h>
#include <moat/seccomp.h>
#include <moat/syscalls.h>

#endif
