/*
 * ELF loader: arbitrary bytes as a BPF object.  Opening must either fail
 * with a message or produce programs and maps whose accessors all work;
 * it must never crash, leak or read out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include <moat/moat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err;
	struct moat_obj *obj = moat_obj_open_mem(data, size, "fuzz.o", &err);
	if (!obj) {
		if (!err.msg[0] || !err.errnum)
			abort(); /* every failure explains itself */
		return 0;
	}
	for (size_t i = 0; i < moat_obj_prog_count(obj); i++) {
		struct moat_prog *p = moat_obj_prog(obj, i);
		size_t n;
		const struct moat_insn *insns = moat_prog_insns(p, &n);
		if (!insns || !n || !moat_obj_prog_section(obj, i))
			abort();
		/* Every map reference and local call the loader produced is in range. */
		for (size_t k = 0; k < n; k++) {
			const struct moat_insn *in = &insns[k];
			if (in->code == (MOAT_LD | MOAT_DW | MOAT_IMM) && in->src &&
			    !moat_prog_map(p, (size_t)(uint32_t)in->imm))
				abort();
			(void)moat_prog_line_info(p, k);
		}
	}
	for (size_t i = 0; i < moat_obj_map_count(obj); i++)
		(void)moat_map_name(moat_obj_map(obj, i));
	moat_obj_free(obj);
	return 0;
}
