/*
 * Verifier soundness: the input becomes a short eBPF program (valid
 * opcodes, small offsets, base registers biased towards the input buffer
 * and the stack, an array map, some helper calls) plus the bytes of the
 * buffer r1 points to.  Whatever moat_verify accepts then runs in the
 * checked interpreter, which bounds-checks every access and checks every
 * helper argument: a fault, or a run that does not end, in a program the
 * verifier accepted is a verifier bug and the target aborts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>

#include "engine/exec_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_LEN 32
#define MAX_INSNS 48

static const uint8_t opcodes[] = {
	/* ALU64 / ALU, immediate and register */
	0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f,
	0x77, 0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd4, 0xdc,
	0x04, 0x0c, 0x14, 0x1c, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0xa4, 0xb4,
	0xbc, 0xc4,
	/* jumps */
	0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0xa5,
	0xad, 0xb5, 0xbd, 0xc5, 0xd5, 0x16, 0x26, 0xa6, 0xb6,
	/* loads and stores */
	0x61, 0x69, 0x71, 0x79, 0x91, 0x89, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b,
	0xc3, 0xdb,
	/* call, exit */
	0x85, 0x95,
};

static const int32_t helpers[] = { MOAT_FN_map_lookup_elem, MOAT_FN_map_update_elem,
				   MOAT_FN_ktime_get_ns };

static unsigned long tried, accepted;

static void stats(void)
{
	fprintf(stderr, "verify_fuzz: %lu programs, %lu accepted and run\n", tried, accepted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!tried++ && getenv("MOAT_FUZZ_STATS"))
		atexit(stats);
	if (size < MEM_LEN + 8)
		return 0;
	uint8_t mem[MEM_LEN];
	memcpy(mem, data, MEM_LEN);
	data += MEM_LEN;
	size -= MEM_LEN;
	size_t n = size / 8;
	if (n > MAX_INSNS)
		n = MAX_INSNS;
	struct moat_insn ins[MAX_INSNS + 4];
	size_t k = 0;
	/* r6 = &array[0] via a map-value lddw gives the map a home */
	ins[k++] = (struct moat_insn){ .code = 0x18, .dst = 6, .src = MOAT_PSEUDO_MAP_VALUE };
	ins[k++] = (struct moat_insn){ .imm = 0 };
	for (size_t i = 0; i < n; i++) {
		const uint8_t *b = data + i * 8;
		struct moat_insn in = { .code = opcodes[b[0] % sizeof(opcodes)] };
		in.dst = b[1] % 11;
		in.src = (b[1] >> 4) % 11;
		in.off = (int16_t)((int8_t)b[2]);
		in.imm = (int32_t)((int16_t)(b[3] | b[4] << 8));
		unsigned cls = in.code & 7;
		if (cls == MOAT_LDX || cls == MOAT_STX || cls == MOAT_ST) {
			/* bias bases towards real memory */
			static const uint8_t bases[] = { 1, 10, 10, 6, 0 };
			uint8_t base = bases[b[5] % sizeof(bases)];
			if (cls == MOAT_LDX)
				in.src = base;
			else
				in.dst = base;
			in.off = (int16_t)(b[5] & 0x80 ? -(int)(b[2] % 64) : b[2] % 40);
			if ((in.code & 0xe0) == MOAT_ATOMIC)
				in.imm = (b[6] & 1) ? MOAT_ADD : MOAT_ADD | MOAT_FETCH;
			else if (cls == MOAT_STX)
				in.imm = 0;
		}
		if ((in.code & 7) == MOAT_JMP || (in.code & 7) == MOAT_JMP32) {
			in.off = (int16_t)(b[2] % 8) - 2;
			if (in.code == 0x85) {
				in.imm = helpers[b[6] % 3];
				in.src = in.dst = in.off = 0;
			}
			if (in.code == 0x95)
				in.src = in.dst = in.off = in.imm = 0;
		}
		if ((in.code & 7) <= MOAT_ALU64 && (in.code & 0xf0) == 0xd0) /* end */
			in.imm = 16 << (b[6] % 3);
		if ((in.code & 0xf0) == MOAT_LSH || (in.code & 0xf0) == MOAT_RSH ||
		    (in.code & 0xf0) == MOAT_ARSH)
			in.imm &= 31;
		ins[k++] = in;
	}
	ins[k++] = (struct moat_insn){ .code = 0xb7, .dst = 0 };
	ins[k++] = (struct moat_insn){ .code = 0x95 };

	struct moat_error err;
	struct moat_vm *vm = moat_vm_new(NULL, &err);
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 16,
		  .max_entries = 2);
	struct moat_map *map = moat_map_new(&d, &err);
	struct moat_prog *p = moat_prog_new(MOAT_PROG_MEM, ins, k, &err);
	if (!vm || !map || !p)
		abort();
	moat_prog_add_map(p, map, &err);
	MOAT_OPTS(moat_verify_opts, vo, .vm = vm, .mem_len = MEM_LEN, .max_insns = 200000);
	if (moat_verify(p, &vo, NULL, &err) == 0) {
		accepted++;
		MOAT_OPTS(moat_exec_opts, eo, .mode = MOAT_EXEC_CHECKED, .unverified = true,
			  .mem_len = MEM_LEN);
		struct moat_exec *e = moat_exec_new(vm, p, &eo, &err);
		if (!e)
			abort();
		e->budget = 50000000;
		uint64_t r0;
		if (moat_exec_run(e, mem, MEM_LEN, &r0, &err) < 0) {
			char buf[900];
			fprintf(stderr, "verifier accepted a program that faults: %s\n",
				moat_error_str(&err, buf, sizeof(buf)));
			abort();
		}
		moat_exec_free(e);
	}
	moat_prog_free(p);
	moat_map_free(map);
	moat_vm_free(vm);
	return 0;
}
