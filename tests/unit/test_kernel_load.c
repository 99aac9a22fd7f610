/* Loading moat programs into the running kernel (root): maps, reuse, refusals, cleanup. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <moat/moat.h>
#include "tap.h"

/* XDP: counter[0] += 1; return XDP_PASS (2). */
static struct moat_prog *counting_xdp(struct moat_map *counter)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_XDP);
	moat_label out = moat_builder_label(b);
	moat_builder_emit(b, MOAT_ST_MEM(MOAT_W, MOAT_R10, -4, 0));
	moat_builder_ld_map(b, MOAT_R1, counter);
	moat_builder_emit(b, MOAT_MOV64_REG(MOAT_R2, MOAT_R10));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R2, -4));
	moat_builder_emit(b, MOAT_CALL_INSN(1)); /* map_lookup_elem */
	moat_builder_jmp_imm(b, MOAT_JEQ, MOAT_R0, 0, out);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R1, 1));
	moat_builder_emit(
	    b, MOAT_INSN(MOAT_STX | MOAT_ATOMIC | MOAT_DW, MOAT_R0, MOAT_R1, 0, MOAT_ADD));
	moat_builder_bind(b, out);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 2));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_error err;
	struct moat_prog *p = moat_builder_finish(b, "count", &err);
	moat_builder_free(b);
	if (!p)
		diag("build: %s", err.msg);
	return p;
}

static int test_run(int fd, int repeat, uint32_t *retval)
{
	uint8_t pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);
	int rc = bpf_prog_test_run_opts(fd, &o);
	*retval = o.retval;
	return rc;
}

static uint64_t counter_value(int map_fd)
{
	uint32_t key = 0;
	uint64_t v = ~0ull;
	if (bpf_map_lookup_elem(map_fd, &key, &v) < 0)
		diag("lookup: %s", strerror(errno));
	return v;
}

static void test_load_and_share(void)
{
	struct moat_error err;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = 1, .name = "moat_counter");
	struct moat_map *m = moat_map_new(&d, &err);
	struct moat_prog *p = counting_xdp(m);
	struct moat_kprog *a = p ? moat_kernel_load(p, NULL, &err) : NULL;
	ok(a && moat_kprog_fd(a) >= 0 && moat_kprog_id(a) > 0, "XDP program with a map loads");
	if (!a) {
		diag("%s", err.msg);
		goto out;
	}
	uint32_t ret = 0;
	ok(test_run(moat_kprog_fd(a), 5, &ret) == 0 && ret == 2, "kernel runs it: XDP_PASS");
	is_u64(counter_value(moat_kprog_map_fd(a, 0)), 5, "the kernel map counted 5 runs");

	int fds[] = {moat_kprog_map_fd(a, 0)};
	MOAT_OPTS(moat_kernel_load_opts, o, .map_fds = fds, .n_map_fds = 1, .name = "count2");
	struct moat_kprog *b = moat_kernel_load(p, &o, &err);
	ok(b && moat_kprog_map_fd(b, 0) == fds[0], "second program reuses the first one's map");
	ok(b && test_run(moat_kprog_fd(b), 3, &ret) == 0, "second program runs");
	is_u64(counter_value(fds[0]), 8, "both programs count in the shared map");
	uint32_t id = moat_kprog_id(a);
	moat_kprog_free(b);
	ok(counter_value(moat_kprog_map_fd(a, 0)) == 8, "freeing the borrower keeps the map");
	moat_kprog_free(a);
	int fd = bpf_prog_get_fd_by_id(id);
	ok(fd < 0 && errno == ENOENT, "program gone from the kernel after free");
	if (fd >= 0)
		close(fd);
out:
	moat_prog_free(p);
	moat_map_free(m);
}

static void test_refusals(void)
{
	struct moat_error err;
	const struct moat_insn ret0[] = {MOAT_MOV64_IMM(MOAT_R0, 0), MOAT_EXIT_INSN()};
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, ret0, 2, &err);
	ok(!moat_kernel_load(p, NULL, &err) && err.errnum == EINVAL && strstr(err.msg, "mem"),
	   "mem programs cannot be loaded");
	moat_prog_set_type(p, MOAT_PROG_SECCOMP);
	ok(!moat_kernel_load(p, NULL, &err) && err.errnum == EINVAL, "seccomp programs neither");

	/* unsafe: reads r2, which a socket filter does not get */
	const struct moat_insn bad[] = {MOAT_MOV64_REG(MOAT_R0, MOAT_R2), MOAT_EXIT_INSN()};
	struct moat_prog *q = moat_prog_new(MOAT_PROG_SOCKET_FILTER, bad, 2, &err);
	ok(!moat_kernel_load(q, NULL, &err) && err.insn == 0 &&
	       !strncmp(err.msg, "moat's verifier: ", 17),
	   "moat's verifier rejects before the kernel sees it");
	moat_prog_free(q);

	/* moat accepts, the kernel refuses: cgroup_skb with an XDP attach type */
	moat_prog_set_type(p, MOAT_PROG_CGROUP_SKB);
	MOAT_OPTS(moat_kernel_load_opts, o, .attach_type = BPF_XDP);
	ok(!moat_kernel_load(p, &o, &err) && err.errnum == EINVAL &&
	       strstr(err.msg, "the kernel refused the program moat accepted"),
	   "the kernel's refusal is reported as such");
	moat_prog_set_type(p, MOAT_PROG_CGROUP_SKB);
	struct moat_kprog *k = moat_kernel_load(p, NULL, &err);
	ok(k != NULL, "same program with its usual attach type loads");
	moat_kprog_free(k);
	moat_prog_free(p);
}

int main(void)
{
	if (geteuid() != 0) {
		skip("loading BPF programs needs root");
		return tap_done();
	}
	test_load_and_share();
	test_refusals();
	return tap_done();
}
