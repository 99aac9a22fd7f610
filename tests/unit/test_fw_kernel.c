/*
 * The firewall's programs in the running kernel (root), with
 * BPF_PROG_TEST_RUN: log records read back from the kernel's ring buffer
 * equal the ones moat's VM emits for the same frame; per-CPU counters
 * summed over the CPUs count the packets; moat_kernel_map_fill writes a
 * per-CPU value to every CPU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <moat/fw.h>
#include <moat/kernel.h>
#include <moat/kernel_attach.h>
#include <moat/moat.h>
#include "tap.h"

static size_t udp_frame(uint8_t *f, int proto, uint16_t dport)
{
	memset(f, 0, 128);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 60;
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	inet_pton(AF_INET, "192.0.2.1", ip + 12);
	inet_pton(AF_INET, "192.0.2.2", ip + 16);
	ip[20] = 0x9c;
	ip[21] = 0x40; /* 40000 */
	ip[22] = (uint8_t)(dport >> 8);
	ip[23] = (uint8_t)dport;
	if (proto == 6)
		ip[33] = 0x02; /* SYN */
	for (int i = 54; i < 74; i++)
		f[i] = (uint8_t)i;
	return 74;
}

static void test_map_fill_percpu(void)
{
	struct moat_error err;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_PERCPU_ARRAY, .key_size = 4, .value_size = 16,
		  .max_entries = 4, .name = "pcpu");
	struct moat_map *m = moat_map_new(&d, &err);
	uint64_t v[2] = { 7, 9 };
	uint32_t k = 1;
	ok(m && moat_map_update(m, &k, v, MOAT_MAP_ANY, &err) == 0, "moat per-CPU array");
	int fd = m ? moat_kernel_map_create(m, &err) : -1;
	ok(fd >= 0 && moat_kernel_map_fill(m, fd, &err) == 0, "moat_kernel_map_fill: %s",
	   fd >= 0 ? "" : err.msg);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *all = calloc((size_t)ncpu, 16);
	bool same = all && fd >= 0 && bpf_map_lookup_elem(fd, &k, all) == 0;
	for (int c = 0; same && c < ncpu; c++)
		same = all[2 * c] == 7 && all[2 * c + 1] == 9;
	ok(same, "the value is on each of the %d possible CPUs", ncpu);
	k = 0;
	same = all && fd >= 0 && bpf_map_lookup_elem(fd, &k, all) == 0;
	for (int c = 0; same && c < ncpu; c++)
		same = all[2 * c] == 0 && all[2 * c + 1] == 0;
	ok(same, "zero entries stay zero");
	free(all);
	if (fd >= 0)
		close(fd);
	moat_map_free(m);
}

struct rec_box {
	struct moat_fw_log_record r;
	int n;
};

static int take(void *arg, const void *data, size_t len)
{
	struct rec_box *b = arg;
	if (len >= sizeof(b->r))
		memcpy(&b->r, data, sizeof(b->r));
	b->n++;
	return 0;
}

/* The VM's record for the frame (its own compile with record_verdict). */
static bool vm_record(const struct moat_fw_rules *rs, const uint8_t *f, size_t len,
		      struct moat_fw_log_record *out)
{
	struct moat_error err;
	MOAT_OPTS(moat_fw_compile_opts, o, .hook = MOAT_FW_XDP, .dir = MOAT_FW_IN,
		  .record_verdict = true);
	struct moat_fw_prog *fp = moat_fw_compile(rs, &o, &err);
	struct moat_vm *vm = fp ? moat_vm_new(NULL, &err) : NULL;
	struct moat_fw_runner *run = vm ? moat_fw_runner_new(vm, fp, &err) : NULL;
	struct moat_fw_verdict v;
	const struct moat_fw_log_record *r = NULL;
	if (run && moat_fw_runner_run(run, f, len, &v, &err) == 0)
		r = moat_fw_runner_log(run);
	if (r)
		*out = *r;
	moat_fw_runner_free(run);
	moat_vm_free(vm);
	moat_fw_prog_free(fp);
	return r != NULL;
}

static struct moat_fw_counter counter(int fd, uint32_t k)
{
	struct moat_fw_counter c = { 0, 0 };
	int ncpu = libbpf_num_possible_cpus();
	struct moat_fw_counter *v = calloc((size_t)ncpu, sizeof(*v));
	if (v && bpf_map_lookup_elem(fd, &k, v) == 0)
		for (int i = 0; i < ncpu; i++) {
			c.packets += v[i].packets;
			c.bytes += v[i].bytes;
		}
	free(v);
	return c;
}

static void test_log_in_kernel(void)
{
	static const char src[] = "set default block in\n"
				  "pass in log proto udp to port 53\n"
				  "block in log proto tcp\n";
	struct moat_error err;
	struct moat_fw_rules *rs = moat_fw_parse(src, strlen(src), "k.conf", NULL, &err);
	MOAT_OPTS(moat_fw_compile_opts, o, .hook = MOAT_FW_XDP, .dir = MOAT_FW_IN);
	struct moat_fw_prog *fp = rs ? moat_fw_compile(rs, &o, &err) : NULL;
	struct moat_kprog *kp = fp ? moat_kernel_load(moat_fw_prog_prog(fp), NULL, &err) : NULL;
	ok(kp != NULL, "the kernel loads a logging firewall: %s", kp ? "" : err.msg);
	if (!kp)
		goto out;
	struct moat_prog *prog = moat_fw_prog_prog(fp);
	bool filled = true;
	for (size_t i = 0; i < moat_prog_map_count(prog); i++)
		filled &= moat_kernel_map_fill(moat_prog_map(prog, i), moat_kprog_map_fd(kp, i),
					       &err) == 0;
	ok(filled, "maps filled");
	struct rec_box box = { .n = 0 };
	int lfd = moat_kprog_map_fd(kp, (size_t)moat_fw_prog_map(fp, MOAT_FW_MAP_LOG));
	struct moat_kringbuf *rb = moat_kringbuf_new(lfd, take, &box, &err);
	ok(rb != NULL, "the ring buffer maps: %s", rb ? "" : err.msg);
	uint8_t f[128];
	size_t len = udp_frame(f, 17, 53);
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f, .data_size_in = (uint32_t)len, .repeat = 1);
	int rr = bpf_prog_test_run_opts(moat_kprog_fd(kp), &t);
	ok(rr == 0 && t.retval == 2, "UDP 53 passes in the kernel (XDP_PASS), retval %u", t.retval);
	if (rb)
		moat_kringbuf_poll(rb, 0, &err);
	ok(box.n == 1, "one record in the kernel's ring buffer (got %d)", box.n);
	struct moat_fw_log_record vmr;
	bool have = vm_record(rs, f, len, &vmr);
	if (have && box.n == 1) {
		box.r.time_ns = vmr.time_ns = 0;
		box.r.ifindex = vmr.ifindex = 0; /* test runs arrive on lo; the VM's context has 0 */
		ok(!memcmp(&box.r, &vmr, offsetof(struct moat_fw_log_record, data) + len),
		   "the kernel's record equals the VM's, frame bytes included");
	} else {
		ok(0, "the kernel's record equals the VM's (VM record: %d)", have);
	}
	len = udp_frame(f, 6, 80);
	LIBBPF_OPTS(bpf_test_run_opts, t2, .data_in = f, .data_size_in = (uint32_t)len,
		    .repeat = 10);
	ok(bpf_prog_test_run_opts(moat_kprog_fd(kp), &t2) == 0 && t2.retval == 1,
	   "TCP is dropped (XDP_DROP)");
	box.n = 0;
	if (rb)
		moat_kringbuf_poll(rb, 0, &err);
	ok(box.n == 10 && box.r.rule == 2 && box.r.action == 0 && box.r.tcp_flags == 0x02,
	   "ten runs, ten records of rule 2 blocking (got %d)", box.n);
	int cfd = moat_kprog_map_fd(kp, (size_t)moat_fw_prog_map(fp, MOAT_FW_MAP_COUNTERS));
	struct moat_fw_counter c1 = counter(cfd, 1), c2 = counter(cfd, 2);
	ok(c1.packets == 1 && c1.bytes == 74 && c2.packets == 10 && c2.bytes == 740,
	   "per-CPU counters summed: rule 1 %llu p %llu B, rule 2 %llu p %llu B",
	   (unsigned long long)c1.packets, (unsigned long long)c1.bytes,
	   (unsigned long long)c2.packets, (unsigned long long)c2.bytes);
	moat_kringbuf_free(rb);
out:
	moat_kprog_free(kp);
	moat_fw_prog_free(fp);
	moat_fw_rules_free(rs);
}

int main(void)
{
	if (geteuid() != 0) {
		skip("needs root");
		return tap_done();
	}
	test_map_fill_percpu();
	test_log_in_kernel();
	return tap_done();
}
