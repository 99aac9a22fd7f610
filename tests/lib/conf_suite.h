/*
 * The BPF conformance suite (../shared/conformance/bpf_conformance) for C
 * tests: a VM with the suite's helper 5 (returns its first argument), and a
 * walk over every test that states a result.
 */
#ifndef MOAT_TESTS_CONF_SUITE_H
#define MOAT_TESTS_CONF_SUITE_H

#include <moat/moat.h>

/* A VM with the kernel helpers plus the suite's helper 5.  Free with moat_vm_free(). */
struct moat_vm *conf_suite_vm(void);

/*
 * Runs `run` on every result test of the suite (r0 from the program on the
 * test's memory); counts in *tried those run and returns how many gave the
 * expected result, printing a TAP diagnostic for each that did not.
 * Returns -1 (after a TAP skip) when the suite is not found.
 */
int conf_suite_results(uint64_t (*run)(const struct moat_conf_test *t, void *arg), void *arg,
		       int *tried);

#endif
