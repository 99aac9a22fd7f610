/* The instruction builder: labels, far jumps, constants, maps, source positions. */
#include <errno.h>
#include <string.h>

#include <moat/moat.h>
#include "tap.h"

static struct moat_vm *vm;

/* Verifies and runs a mem program over buf in the interpreter and the JIT;
 * returns r0, or ~0 when either fails or they disagree. */
static uint64_t run(const struct moat_prog *p, void *buf, size_t len)
{
	uint64_t r[2] = {~0ull, ~1ull};
	for (int jit = 0; jit < 2; jit++) {
		struct moat_error err;
		MOAT_OPTS(moat_exec_opts, o, .mode = jit ? MOAT_EXEC_JIT : MOAT_EXEC_INTERP,
			  .mem_len = len);
		struct moat_exec *e = moat_exec_new(vm, p, &o, &err);
		if (!e || moat_exec_run(e, buf, len, &r[jit], &err) < 0)
			diag("%s: insn %ld: %s", jit ? "jit" : "interp", err.insn, err.msg);
		moat_exec_free(e);
	}
	return r[0] == r[1] ? r[0] : ~0ull;
}

/* Sums the bytes of an 8-byte buffer with a bounded backward loop and
 * forward exits. */
static void test_loop(void)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_MEM);
	moat_label top = moat_builder_label(b), done = moat_builder_label(b);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R3, 0));
	moat_builder_bind(b, top);
	moat_builder_jmp_imm(b, MOAT_JGE, MOAT_R3, 8, done);
	moat_builder_emit(b, MOAT_MOV64_REG(MOAT_R4, MOAT_R1));
	moat_builder_emit(b, MOAT_ALU64_REG(MOAT_ADD, MOAT_R4, MOAT_R3));
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_B, MOAT_R5, MOAT_R4, 0));
	moat_builder_emit(b, MOAT_ALU64_REG(MOAT_ADD, MOAT_R0, MOAT_R5));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R3, 1));
	moat_builder_ja(b, top);
	moat_builder_bind(b, done);
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_error err;
	struct moat_prog *p = moat_builder_finish(b, "sum", &err);
	moat_builder_free(b);
	ok(p != NULL, "loop program builds");
	if (!p)
		return diag("%s", err.msg);
	size_t n;
	const struct moat_insn *in = moat_prog_insns(p, &n);
	is_int(in[2].off, 6, "forward jump resolved to the exit");
	is_int(in[8].off, -7, "backward jump resolved to the loop head");
	is_str(moat_prog_name(p), "sum", "name carried");
	uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	is_u64(run(p, buf, sizeof(buf)), 36, "loop sums the buffer in the interpreter and the JIT");
	moat_prog_free(p);
}

static void test_constants(void)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_MEM);
	moat_builder_ld_imm64(b, MOAT_R0, 0x1122334455667788ull);
	moat_builder_ld_imm64(b, MOAT_R2, (uint64_t)-5);
	moat_builder_emit(b, MOAT_ALU64_REG(MOAT_ADD, MOAT_R0, MOAT_R2));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	is_int(moat_builder_pos(b), 5, "wide constant takes two slots, small one a mov");
	struct moat_error err;
	struct moat_prog *p = moat_builder_finish(b, NULL, &err);
	moat_builder_free(b);
	is_u64(p ? run(p, NULL, 0) : 0, 0x1122334455667783ull, "64-bit constants");
	moat_prog_free(p);
}

/* More than 32767 instructions between a jump and its label. */
static void test_far_jumps(void)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_MEM);
	moat_label far = moat_builder_label(b);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 7));
	moat_builder_ja(b, far);
	for (int i = 0; i < 40000; i++)
		moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R0, 1));
	moat_builder_bind(b, far);
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_error err;
	struct moat_prog *p = moat_builder_finish(b, NULL, &err);
	size_t n;
	const struct moat_insn *in = p ? moat_prog_insns(p, &n) : NULL;
	ok(in && in[1].code == (MOAT_JMP32 | MOAT_JA) && in[1].imm == 40000,
	   "far unconditional jump becomes gotol");
	MOAT_OPTS(moat_verify_opts, vo, .kernel_rules = false);
	ok(p && moat_verify(p, &vo, NULL, &err) == 0, "gotol program verifies");
	moat_prog_free(p);
	moat_builder_free(b);

	b = moat_builder_new(MOAT_PROG_MEM);
	far = moat_builder_label(b);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
	moat_builder_jmp_imm(b, MOAT_JEQ, MOAT_R0, 0, far);
	for (int i = 0; i < 40000; i++)
		moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R0, 1));
	moat_builder_bind(b, far);
	moat_builder_emit(b, MOAT_EXIT_INSN());
	p = moat_builder_finish(b, NULL, &err);
	ok(!p && err.errnum == E2BIG && err.insn == 1,
	   "far conditional jump is an error at its insn");
	moat_builder_free(b);
}

static void test_errors(void)
{
	struct moat_error err;
	struct moat_builder *b = moat_builder_new(MOAT_PROG_MEM);
	moat_label l = moat_builder_label(b);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
	moat_builder_jmp_imm(b, MOAT_JEQ, MOAT_R0, 0, l);
	moat_builder_emit(b, MOAT_EXIT_INSN());
	ok(!moat_builder_finish(b, NULL, &err) && err.errnum == EINVAL && err.insn == 1 &&
	       strstr(err.msg, "never bound"),
	   "unbound label named at the jump");
	moat_builder_bind(b, l);
	moat_builder_bind(b, l);
	ok(!moat_builder_finish(b, NULL, &err) && strstr(err.msg, "bound twice"),
	   "label bound twice");
	moat_builder_free(b);
	b = moat_builder_new(MOAT_PROG_MEM);
	ok(!moat_builder_finish(b, NULL, &err) && err.errnum == EINVAL, "empty builder");
	moat_builder_free(b);
}

/* Map references share one slot per map; line info reaches the verifier. */
static void test_maps_and_source(void)
{
	struct moat_error err;
	MOAT_OPTS(moat_map_def, d, .type = MOAT_MAP_ARRAY, .key_size = 4, .value_size = 8,
		  .max_entries = 1, .name = "counter");
	struct moat_map *m = moat_map_new(&d, &err);
	struct moat_builder *b = moat_builder_new(MOAT_PROG_MEM);
	moat_builder_set_source(b, "rules.conf", 3, 7, "pass in all");
	moat_builder_ld_map_value(b, MOAT_R1, m, 0);
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_DW, MOAT_R0, MOAT_R1, 0));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R0, 1));
	moat_builder_emit(b, MOAT_STX_MEM(MOAT_DW, MOAT_R1, MOAT_R0, 0));
	moat_builder_ld_map(b, MOAT_R2, m);
	moat_builder_set_source(b, "rules.conf", 4, 1, "block");
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_DW, MOAT_R0, MOAT_R1, 8)); /* past the value */
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_prog *p = moat_builder_finish(b, NULL, &err);
	moat_builder_free(b);
	moat_map_free(m);
	ok(p && moat_prog_map_count(p) == 1, "one map slot for two references");
	const struct moat_line_info *li = p ? moat_prog_line_info(p, 7) : NULL;
	ok(li && li->line == 4 && li->col == 1 && !strcmp(li->file, "rules.conf"),
	   "source position recorded");
	MOAT_OPTS(moat_verify_opts, vo, .kernel_rules = false);
	ok(p && moat_verify(p, &vo, NULL, &err) == -EACCES && err.insn == 7,
	   "verifier rejects the read past the value at its instruction");
	moat_prog_free(p);
}

int main(void)
{
	struct moat_error err;
	vm = moat_vm_new(NULL, &err);
	test_loop();
	test_constants();
	test_far_jumps();
	test_errors();
	test_maps_and_source();
	moat_vm_free(vm);
	return tap_done();
}
