/* The conformance suite for C tests (conf_suite.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_suite.h"
#include "tap.h"

static uint64_t first_arg(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct moat_call *c)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)c;
	return r1;
}

struct moat_vm *conf_suite_vm(void)
{
	static const struct moat_helper_proto proto = { "first_arg", MOAT_RET_INTEGER,
							 { MOAT_ARG_ANYTHING }, 0, false };
	struct moat_error err;
	struct moat_vm *vm = moat_vm_new(NULL, &err);
	if (vm && moat_vm_add_helper(vm, 5, &proto, first_arg, NULL, &err) < 0) {
		moat_vm_free(vm);
		return NULL;
	}
	return vm;
}

int conf_suite_results(uint64_t (*run)(const struct moat_conf_test *t, void *arg), void *arg,
		       int *tried)
{
	const char *shared = getenv("MOAT_SHARED");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/conformance/bpf_conformance", shared ? shared : "../shared");
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	*tried = 0;
	if (n < 0) {
		skip("conformance suite not found");
		return -1;
	}
	int good = 0;
	for (int i = 0; i < n; i++) {
		char path[4400];
		struct moat_conf_test t;
		struct moat_error err;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (strstr(ents[i]->d_name, ".data") && moat_conf_test_load(path, &t, &err) == 0) {
			if (t.has_result && !t.expect_error && t.insns) {
				(*tried)++;
				uint64_t r0 = run(&t, arg);
				if (r0 == t.result)
					good++;
				else
					diag("%s: 0x%llx, expected 0x%llx", ents[i]->d_name,
					     (unsigned long long)r0, (unsigned long long)t.result);
			}
			moat_conf_test_release(&t);
		}
		free(ents[i]);
	}
	free(ents);
	return good;
}
