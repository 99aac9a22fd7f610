/*
 * Parse + compile + verify: anything that compiles must pass the classic
 * check (done inside moat_filter_compile), produce an eBPF program moat's
 * verifier accepts, and give the same verdict in the C classic runner and
 * in the JIT on a packet made of the input's tail, with and without the
 * optimizer (the two must agree too, as long as no load falls outside
 * the packet: the optimizer, like libpcap's, drops redundant loads).
 * Input: byte 0 picks link type and snaplen, then the expression up to a
 * NUL, then the packet bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>
#include <moat/filter.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = { MOAT_DLT_EN10MB, MOAT_DLT_RAW, MOAT_DLT_LINUX_SLL,
			    MOAT_DLT_LINUX_SLL2 };

static uint32_t jit_run(struct moat_vm *vm, const struct moat_filter *f, const uint8_t *pkt,
			uint32_t len)
{
	struct moat_error err;
	struct moat_prog *prog = moat_filter_ebpf(f, &err);
	if (!prog)
		abort(); /* compiled but not verifiable: a compiler bug */
	uint64_t mem = moat_filter_mem_len(f), r0 = 0;
	MOAT_OPTS(moat_exec_opts, xo, .mode = MOAT_EXEC_JIT, .mem_len = mem);
	struct moat_exec *ex = moat_exec_new(vm, prog, &xo, &err);
	struct moat_filter_pkt *buf = calloc(1, mem);
	if (!ex || !buf)
		abort();
	buf->caplen = len;
	buf->wirelen = len + 4;
	memcpy(buf->data, pkt, len);
	if (moat_exec_run(ex, buf, mem, &r0, &err) < 0)
		abort();
	free(buf);
	moat_exec_free(ex);
	moat_prog_free(prog);
	return (uint32_t)r0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct moat_vm *vm;
	struct moat_error err;
	if (size < 2)
		return 0;
	const uint8_t *nul = memchr(data + 1, 0, size - 1);
	size_t elen = nul ? (size_t)(nul - data - 1) : size - 1;
	if (elen > 1024)
		return 0;
	char *expr = strndup((const char *)data + 1, elen);
	const uint8_t *pkt = nul ? nul + 1 : data + size;
	uint32_t plen = (uint32_t)(data + size - pkt);
	if (!vm)
		vm = moat_vm_new(NULL, &err);
	uint32_t snap = (data[0] & 4) ? 128 : 0;
	MOAT_OPTS(moat_filter_opts, o, .linktype = dlts[data[0] % 4], .snaplen = snap,
		  .netmask = 0xffffff00u, .optimize = true);
	if (plen > 128)
		plen = 128;
	struct moat_filter *f = expr ? moat_filter_compile(expr, &o, &err) : NULL;
	if (f) {
		uint32_t c = moat_filter_run(f, pkt, plen, plen + 4);
		if (jit_run(vm, f, pkt, plen) != c)
			abort(); /* eBPF and classic disagree */
	}
	o.optimize = false;
	struct moat_filter *u = expr ? moat_filter_compile(expr, &o, &err) : NULL;
	if (u)
		(void)jit_run(vm, u, pkt, plen);
	moat_filter_free(u);
	moat_filter_free(f);
	free(expr);
	return 0;
}
