/* The VM: helper registry and print sink (include/moat/vm.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec_internal.h"

struct moat_vm *moat_vm_new(const struct moat_vm_opts *opts, struct moat_error *err)
{
	struct moat_vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	if (MOAT_OPTS_HAS(opts, moat_vm_opts, print))
		vm->print = opts->print;
	/* A fixed, per-VM seed keeps runs reproducible; embedders wanting
	 * entropy register their own get_prandom_u32. */
	vm->prandom = 0x853c49e6748fea9bull;
	bool none = MOAT_OPTS_HAS(opts, moat_vm_opts, no_kernel_helpers) && opts->no_kernel_helpers;
	if (!none && moat_vm_add_kernel_helpers(vm, err) < 0) {
		moat_vm_free(vm);
		return NULL;
	}
	return vm;
}

void moat_vm_free(struct moat_vm *vm)
{
	if (!vm)
		return;
	free(vm->helpers);
	free(vm);
}

static size_t find_slot(const struct moat_vm *vm, uint32_t id)
{
	size_t lo = 0, hi = vm->n_helpers;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (vm->helpers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct moat_helper_entry *moat_vm_helper(const struct moat_vm *vm, uint32_t id)
{
	size_t i = find_slot(vm, id);
	return i < vm->n_helpers && vm->helpers[i].id == id ? &vm->helpers[i] : NULL;
}

int moat_vm_add_helper(struct moat_vm *vm, uint32_t id, const struct moat_helper_proto *proto,
		       moat_helper_fn fn, void *user, struct moat_error *err)
{
	if (!proto || !fn)
		return moat_error_set(err, EINVAL, "helper %u needs a prototype and a function", id);
	size_t i = find_slot(vm, id);
	if (i >= vm->n_helpers || vm->helpers[i].id != id) {
		struct moat_helper_entry *h =
			realloc(vm->helpers, (vm->n_helpers + 1) * sizeof(*h));
		if (!h)
			return moat_error_set(err, ENOMEM, "out of memory");
		vm->helpers = h;
		memmove(&h[i + 1], &h[i], (vm->n_helpers - i) * sizeof(*h));
		vm->n_helpers++;
		/* entries moved: re-point their names at their own buffers */
		for (size_t j = 0; j < vm->n_helpers; j++)
			h[j].proto.name = h[j].name_buf;
	}
	struct moat_helper_entry *e = &vm->helpers[i];
	e->id = id;
	e->proto = *proto;
	snprintf(e->name_buf, sizeof(e->name_buf), "%s", proto->name ? proto->name : "");
	e->proto.name = e->name_buf;
	e->fn = fn;
	e->user = user;
	return 0;
}

const struct moat_helper_proto *moat_vm_helper_proto(const struct moat_vm *vm, uint32_t id)
{
	const struct moat_helper_entry *e = moat_vm_helper(vm, id);
	return e ? &e->proto : NULL;
}

void *moat_call_user(const struct moat_call *call)
{
	return call->user;
}

void moat_call_print(struct moat_call *call, const char *text, size_t len)
{
	if (call->vm->print.write)
		call->vm->print.write(call->vm->print.arg, text, len);
}

void moat_call_add_region(struct moat_call *call, const void *p, uint64_t len, bool ringbuf)
{
	if (!call->checked || !p)
		return;
	/* map values are stable addresses: a loop of lookups adds one region */
	for (size_t i = call->n_regions; i-- > 0 && i + 8 >= call->n_regions;)
		if (call->regions[i].lo == (uintptr_t)p && call->regions[i].hi == (uintptr_t)p + len &&
		    call->regions[i].ringbuf == ringbuf)
			return;
	if (call->n_regions == call->cap_regions) {
		/* Runs start on the inline array (no allocation per run); the
		 * first overflow moves to the heap. */
		bool inl = call->regions == call->inline_regions || !call->regions;
		size_t cap = call->cap_regions ? call->cap_regions * 2 : 16;
		struct moat_region *r = inl ? malloc(cap * sizeof(*r))
					    : realloc(call->regions, cap * sizeof(*r));
		if (!r) {
			call->oom = true;
			return;
		}
		if (inl && call->n_regions)
			memcpy(r, call->regions, call->n_regions * sizeof(*r));
		call->regions = r;
		call->cap_regions = cap;
	}
	call->regions[call->n_regions++] =
		(struct moat_region){ (uintptr_t)p, (uintptr_t)p + len, ringbuf };
}

void moat_call_drop_region(struct moat_call *call, const void *p)
{
	for (size_t i = 0; i < call->n_regions; i++) {
		if (call->regions[i].ringbuf && call->regions[i].lo == (uintptr_t)p) {
			call->regions[i] = call->regions[--call->n_regions];
			return;
		}
	}
}
