/* Unit tests for the assembler, the disassembler and the conformance-file parser. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/asm.h>
#include <moat/conformance.h>
#include <moat/map.h>
#include <moat/prog.h>
#include "util/cleanup.h"
#include "tap.h"

static uint64_t word(const struct moat_insn *i)
{
	return (uint64_t)i->code | (uint64_t)i->dst << 8 | (uint64_t)i->src << 12 |
	       (uint64_t)(uint16_t)i->off << 16 | (uint64_t)(uint32_t)i->imm << 32;
}

/* One source line and the 64-bit words it must assemble to (low byte = opcode). */
static const struct {
	const char *src;
	uint64_t w[2];
} forms[] = {
	{ "mov32 %r0, 1", { 0x00000001000000b4 } },
	{ "mov %r1, -1", { 0xffffffff000001b7 } },
	{ "mov64 %r1, %r2", { 0x00000000000021bf } },
	{ "add %r10, 0x7fffffff", { 0x7fffffff00000a07 } },
	{ "add32 %r1, %r9", { 0x000000000000910c } },
	{ "sub %r1, 2", { 0x0000000200000117 } },
	{ "mul32 %r1, 3", { 0x0000000300000124 } },
	{ "div %r1, %r2", { 0x000000000000213f } },
	{ "sdiv %r1, 3", { 0x0000000300010137 } },
	{ "sdiv32 %r1, %r2", { 0x000000000001213c } },
	{ "or %r1, 0xffffffff", { 0xffffffff00000147 } },
	{ "and32 %r1, 1", { 0x0000000100000154 } },
	{ "lsh %r1, 3", { 0x0000000300000167 } },
	{ "rsh32 %r1, %r2", { 0x000000000000217c } },
	{ "neg %r1", { 0x0000000000000187 } },
	{ "neg32 %r1", { 0x0000000000000184 } },
	{ "mod %r1, 5", { 0x0000000500000197 } },
	{ "smod32 %r1, %r3", { 0x000000000001319c } },
	{ "xor %r1, %r2", { 0x00000000000021af } },
	{ "arsh32 %r1, 4", { 0x00000004000001c4 } },
	{ "movsx864 %r1, %r2", { 0x00000000000821bf } },
	{ "movsx1632 %r1, %r2", { 0x00000000001021bc } },
	{ "movsx3264 %r1, %r2", { 0x00000000002021bf } },
	{ "le16 %r1", { 0x00000010000001d4 } },
	{ "be64 %r1", { 0x00000040000001dc } },
	{ "bswap32 %r1", { 0x00000020000001d7 } },
	{ "swap16 %r1", { 0x00000010000001d7 } },
	{ "lddw %r0, 0x1122334455667788", { 0x5566778800000018, 0x1122334400000000 } },
	{ "lddw %r1, -1", { 0xffffffff00000118, 0xffffffff00000000 } },
	{ "lddw %r1, map 3", { 0x0000000300001118, 0 } },
	{ "lddw %r1, map_value 2, 16", { 0x0000000200002118, 0x0000001000000000 } },
	{ "ldxb %r0, [%r1+2]", { 0x0000000000021071 } },
	{ "ldxdw %r0, [%r10-8]", { 0x00000000fff8a079 } },
	{ "ldxsh %r0, [%r1]", { 0x0000000000001089 } },
	{ "ldxsw %r0, [%r1+0x10]", { 0x0000000000101081 } },
	{ "stw [%r10-4], 7", { 0x00000007fffc0a62 } },
	{ "stdw [%r1+8], -2", { 0xfffffffe0008017a } },
	{ "stxh [%r1+2], %r3", { 0x000000000002316b } },
	{ "stxdw [%r10-8], %r1", { 0x00000000fff81a7b } },
	{ "lock add [%r10-8], %r1", { 0x00000000fff81adb } },
	{ "lock fetch or32 [%r1+0], %r2", { 0x00000041000021c3 } },
	{ "lock xchg [%r1+0], %r2", { 0x000000e1000021db } },
	{ "lock cmpxchg32 [%r1+4], %r2", { 0x000000f1000421c3 } },
	{ "ja +3", { 0x0000000000030005 } },
	{ "ja -1", { 0x00000000ffff0005 } },
	{ "ja32 +70000", { 0x0001117000000006 } },
	{ "jeq %r1, 5, +1", { 0x0000000500010115 } },
	{ "jsgt32 %r1, %r2, -2", { 0x00000000fffe216e } },
	{ "jset %r1, 0x80000000, +0", { 0x8000000000000145 } },
	{ "jle %r1, %r2, +7", { 0x00000000000721bd } },
	{ "call 5", { 0x0000000500000085 } },
	{ "call local +2", { 0x0000000200001085 } },
	{ "call %r2", { 0x000000000000028d } },
	{ "call runtime 7", { 0x0000000700002085 } },
	{ "exit", { 0x0000000000000095 } },
	{ "ldabsh 12", { 0x0000000c00000028 } },
	{ "ldindb %r1, 4", { 0x0000000400001050 } },
	{ ".insn 0x0000000100010004", { 0x0000000100010004 } },
	{ "  exit   # trailing comment", { 0x0000000000000095 } },
	{ "exit ; other comment", { 0x0000000000000095 } },
};

static void test_forms(void)
{
	for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		struct moat_insn *p = NULL;
		size_t n = 0;
		struct moat_error e;
		int r = moat_asm(forms[k].src, strlen(forms[k].src), "t.s", &p, &n, &e);
		size_t want_n = forms[k].w[1] || strstr(forms[k].src, "lddw") ? 2 : 1;
		if (!ok(r == 0 && n == want_n, "assembles: %s", forms[k].src)) {
			diag("error: %s", e.msg);
			free(p);
			continue;
		}
		bool same = true;
		for (size_t s = 0; s < n; s++)
			same &= word(&p[s]) == forms[k].w[s];
		if (!ok(same, "encoding of %s", forms[k].src))
			diag("got 0x%016" PRIx64, word(&p[0]));
		/* and back: the disassembly assembles to the same bytes */
		char buf[128];
		moat_disasm_insn(p, n, 0, MOAT_SYNTAX_MOAT, buf, sizeof(buf));
		struct moat_insn *q = NULL;
		size_t m = 0;
		r = moat_asm(buf, strlen(buf), "t.s", &q, &m, &e);
		ok(r == 0 && m == n && !memcmp(p, q, n * sizeof(*p)), "round trip: %s -> %s",
		   forms[k].src, buf);
		free(p);
		free(q);
	}
}

static void test_labels(void)
{
	const char *src = "mov %r0, 0\n"
			  "ja L2\n"
			  "L1:\n"
			  "  jne %r0, 1, exit\n"
			  "  lddw %r1, 1\n"
			  "  exit\n"
			  "L2: # comment\n"
			  "  mov %r0, 1\n"
			  "  ja32 L1\n"
			  "  call local L1\n";
	struct moat_insn *p = NULL;
	size_t n = 0;
	struct moat_error e;
	int r = moat_asm(src, strlen(src), "l.s", &p, &n, &e);
	ok(r == 0 && n == 9, "labels program assembles (%s)", e.msg);
	if (r == 0 && n == 9) {
		is_int(p[1].off, 4, "forward label");
		is_int(p[2].off, 2, "implicit exit label = first exit");
		is_int(p[7].imm, -6, "ja32 backward label in imm");
		is_int(p[8].imm, -7, "call local label in imm");
		MOAT_AUTO(free) char *txt = moat_disasm(p, n, MOAT_SYNTAX_MOAT, true, &e);
		ok(txt && strstr(txt, "L2:\n") && strstr(txt, "ja L6"), "labels in disassembly");
		struct moat_insn *q = NULL;
		size_t m = 0;
		r = txt ? moat_asm(txt, strlen(txt), "d.s", &q, &m, &e) : -1;
		ok(r == 0 && m == n && !memcmp(p, q, n * sizeof(*p)), "labelled round trip");
		free(q);
	}
	free(p);
}

static void test_errors(void)
{
	static const struct {
		const char *src, *want;
	} bad[] = {
		{ "or %r0, %r50", "e.s:1:9: expected register, got '%r50'" },
		{ "mov %r11, 1", "e.s:1:5: expected register, got '%r11'" },
		{ "mov r1, 1", "e.s:1:5: expected register, got 'r1'" },
		{ "exit\nmov32 %r0, 2147483648", "e.s:2:12: 32-bit immediate out of range: '2147483648'" },
		{ "mov32 %r0, 0x100000000", "e.s:1:12: 32-bit immediate out of range: '0x100000000'" },
		{ "ldxb %r0, [%r1+0x10000]", "e.s:1:15: 16-bit offset out of range: '+0x10000'" },
		{ "ldxb %r0, %r1", "e.s:1:11: expected '[', got '%r1'" },
		{ "lddw %r0", "e.s:1:9: expected ',', got end of line" },
		{ "lock or [%r10-8]", "e.s:1:17: expected ',', got end of line" },
		{ "lock", "e.s:1:5: expected atomic operation, got end of line" },
		{ "  frob %r1", "e.s:1:3: unknown instruction 'frob'" },
		{ "ja nowhere", "e.s:1:4: undefined label 'nowhere'" },
		{ "exit %r0", "e.s:1:6: expected end of line, got '%r0'" },
		{ "x:\nx:", "e.s:2:1: label 'x' defined twice" },
		{ "movsx3232 %r1, %r2", "e.s:1:1: unknown instruction 'movsx3232'" },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct moat_insn *p = NULL;
		size_t n = 0;
		struct moat_error e;
		char buf[1024];
		int r = moat_asm(bad[k].src, strlen(bad[k].src), "e.s", &p, &n, &e);
		ok(r == -EINVAL && p == NULL, "rejects bad input %zu", k);
		is_str(moat_error_str(&e, buf, sizeof(buf)), bad[k].want, "message for bad input %zu", k);
	}
}

/* .map declarations: names resolve to declaration order, with moat_asm()
 * (indexes only) and moat_asm_prog() (which also creates the maps). */
static void test_map_directive(void)
{
	const char *src = "lddw %r1, map_value counts, 8  # used before it is declared\n"
			  ".map counts array key=4 value=16 entries=2\n"
			  "  .map  table   hash  entries=64 value=8 key=12 # any order\n"
			  ".map rb ringbuf entries=4096\n"
			  ".map pfx lpm_trie key=8 value=4 entries=16\n"
			  ".map lru lru_hash key=4 value=4 entries=8 flags=rdonly_prog\n"
			  ".map progs prog_array key=4 value=4 entries=4\n"
			  ".map h2 hash key=4 value=4 entries=8 flags=no_prealloc|rdonly_prog\n"
			  ".map pc percpu_array key=4 value=8 entries=1\n"
			  "lddw %r2, map table\n"
			  "lddw %r3, map rb\n"
			  "lddw %r4, map 1\n"
			  "mov %r0, 0\n"
			  "exit\n";
	struct moat_insn *p = NULL;
	size_t n = 0;
	struct moat_error e;
	int r = moat_asm(src, strlen(src), "m.s", &p, &n, &e);
	ok(r == 0 && n == 10, "program with .map assembles (%s)", r ? e.msg : "ok");
	if (r == 0 && n == 10) {
		ok(p[0].src == MOAT_PSEUDO_MAP_VALUE && p[0].imm == 0 && p[1].imm == 8,
		   "map_value NAME, OFF: index 0, offset 8");
		ok(p[2].src == MOAT_PSEUDO_MAP_FD && p[2].imm == 1, "map NAME: declaration index");
		ok(p[4].imm == 2 && p[6].imm == 1, "later names and numeric indexes");
	}
	free(p);

	struct moat_prog *prog = moat_asm_prog(src, strlen(src), "m.s", MOAT_PROG_XDP, &e);
	ok(prog != NULL, "moat_asm_prog creates the program (%s)", prog ? "ok" : e.msg);
	if (prog) {
		is_int(moat_prog_type(prog), MOAT_PROG_XDP, "program type");
		is_int(moat_prog_map_count(prog), 8, "eight maps");
		struct moat_map *m = moat_prog_map(prog, 0);
		ok(m && moat_map_type(m) == MOAT_MAP_ARRAY && moat_map_value_size(m) == 16 &&
		   moat_map_max_entries(m) == 2 && !strcmp(moat_map_name(m), "counts"),
		   "map 0 is the array 'counts'");
		m = moat_prog_map(prog, 1);
		ok(m && moat_map_type(m) == MOAT_MAP_HASH && moat_map_key_size(m) == 12,
		   "map 1 is the hash 'table'");
		m = moat_prog_map(prog, 2);
		ok(m && moat_map_type(m) == MOAT_MAP_RINGBUF && moat_map_max_entries(m) == 4096,
		   "map 2 is the ring buffer");
		m = moat_prog_map(prog, 3);
		ok(m && moat_map_type(m) == MOAT_MAP_LPM_TRIE, "lpm_trie without flags= (no_prealloc implied)");
		const struct moat_line_info *li = moat_prog_line_info(prog, 2);
		ok(li && li->line == 10 && li->text && !strcmp(li->text, "lddw %r2, map table"),
		   "line info names the source line");
		size_t k;
		moat_prog_insns(prog, &k);
		is_int(k, 10, "ten instruction slots");
	}
	moat_prog_free(prog);

	const char *plain = "mov %r0, 1\nexit\n";
	prog = moat_asm_prog(plain, strlen(plain), "p.s", MOAT_PROG_MEM, &e);
	ok(prog && moat_prog_map_count(prog) == 0, "moat_asm_prog without maps");
	moat_prog_free(prog);
	prog = moat_asm_prog("# nothing\n", 10, "p.s", MOAT_PROG_MEM, &e);
	ok(!prog && strstr(e.msg, "no instructions"), "an empty source is an error");
	moat_prog_free(prog);
}

static void test_map_errors(void)
{
	static const struct {
		const char *src, *want;
	} bad[] = {
		{ ".map", "e.s:1:5: expected map name, got end of line" },
		{ ".map 3x array", "e.s:1:6: expected map name, got '3x'" },
		{ ".map a", "e.s:1:7: expected map type, got end of line" },
		{ ".map a arr key=4 value=4 entries=1",
		  "e.s:1:8: unknown map type 'arr' (array, hash, lru_hash, percpu_array, percpu_hash, "
		  "lpm_trie, ringbuf, prog_array)" },
		{ ".map a array key=4 value=4", "e.s:1:27: map 'a' needs entries=N (the entry count)" },
		{ ".map a hash value=4 entries=1", "e.s:1:30: map 'a' needs key=N (the key size)" },
		{ ".map a ringbuf", "e.s:1:15: map 'a' needs entries=N (the entry count)" },
		{ ".map a array key=4 key=4", "e.s:1:20: map 'a': key= is given twice" },
		{ ".map a array size=4", "e.s:1:14: expected key=, value=, entries= or flags=, got 'size'" },
		{ ".map a array key 4", "e.s:1:18: expected '=', got '4'" },
		{ ".map a array key=-1", "e.s:1:18: key size out of range: '-1'" },
		{ ".map a array key=0x100000000", "e.s:1:18: key size out of range: '0x100000000'" },
		{ ".map a array key=4 value=4 entries=1 flags=fast",
		  "e.s:1:44: expected map flag (no_prealloc, rdonly_prog), got 'fast'" },
		{ ".map a array key=4 value=4 entries=1\n.map a hash key=4 value=4 entries=1",
		  "e.s:2:6: map 'a' is declared twice (first on line 1)" },
		{ "mov %r0, 0\nlddw %r1, map nope\nexit", "e.s:2:15: undefined map 'nope' (declare it with .map)" },
		{ "lddw %r1, map_value nope, 0\nexit", "e.s:1:21: undefined map 'nope' (declare it with .map)" },
		{ ".map a array key=4 value=4 entries=1\nlddw %r1, map_value a\nexit",
		  "e.s:2:22: expected ',', got end of line" },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct moat_insn *p = NULL;
		size_t n = 0;
		struct moat_error e;
		char buf[1024];
		int r = moat_asm(bad[k].src, strlen(bad[k].src), "e.s", &p, &n, &e);
		ok(r == -EINVAL && p == NULL, "rejects bad .map input %zu", k);
		is_str(moat_error_str(&e, buf, sizeof(buf)), bad[k].want, "message for bad .map input %zu", k);
		struct moat_prog *prog = moat_asm_prog(bad[k].src, strlen(bad[k].src), "e.s",
						       MOAT_PROG_MEM, &e);
		ok(!prog && !strcmp(moat_error_str(&e, buf, sizeof(buf)), bad[k].want),
		   "moat_asm_prog gives the same message for bad .map input %zu", k);
		moat_prog_free(prog);
	}
	/* definitions the map layer refuses: reported at the declaration */
	static const struct {
		const char *src, *want;
	} refused[] = {
		{ "mov %r0, 0\n  .map big array key=8 value=4 entries=1\nexit",
		  "e.s:2:8: array map 'big': key_size must be 4, not 8" },
		{ ".map rb ringbuf entries=1000\nmov %r0, 0\nexit",
		  "e.s:1:6: ring buffer map 'rb': size 1000 must be a power of 2 and a multiple of 4096" },
		{ ".map z hash key=4 value=4 entries=0\nmov %r0, 0\nexit",
		  "e.s:1:6: hash map 'z': max_entries must be greater than 0" },
	};
	for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
		struct moat_insn *p = NULL;
		size_t n = 0;
		struct moat_error e;
		char buf[1024];
		ok(moat_asm(refused[k].src, strlen(refused[k].src), "e.s", &p, &n, &e) == 0,
		   "moat_asm does not create map %zu, so does not refuse it", k);
		free(p);
		struct moat_prog *prog = moat_asm_prog(refused[k].src, strlen(refused[k].src), "e.s",
						       MOAT_PROG_MEM, &e);
		ok(!prog, "moat_asm_prog refuses map %zu", k);
		is_str(moat_error_str(&e, buf, sizeof(buf)), refused[k].want, "message for map %zu", k);
		moat_prog_free(prog);
	}
}

static void test_llvm(void)
{
	static const struct {
		const char *src, *want;
	} llvm[] = {
		{ "mov %r0, 1", "r0 = 1" },
		{ "add32 %r0, 2", "w0 += 2" },
		{ "jgt %r1, %r2, +3", "if r1 > r2 goto +3" },
		{ "jsle32 %r1, -1, -2", "if w1 s<= -1 goto -2" },
		{ "ldxw %r0, [%r1+4]", "r0 = *(u32 *)(r1 + 4)" },
		{ "ldxsb %r0, [%r1-4]", "r0 = *(s8 *)(r1 - 4)" },
		{ "stxdw [%r10-8], %r1", "*(u64 *)(r10 - 8) = r1" },
		{ "stb [%r1+0], 7", "*(u8 *)(r1 + 0) = 7" },
		{ "call 1", "call 1" },
		{ "exit", "exit" },
		{ "neg %r3", "r3 = -r3" },
		{ "movsx832 %r1, %r2", "w1 = (s8)w2" },
		{ "be16 %r1", "r1 = be16 r1" },
		{ "lddw %r2, 0x100000000", "r2 = 0x100000000 ll" },
		{ "lock add [%r1+8], %r2", "lock *(u64 *)(r1 + 8) += r2" },
		{ "lock fetch add32 [%r1+8], %r2", "w2 = atomic_fetch_add((u32 *)(r1 + 8), w2)" },
		{ "ja +1", "goto +1" },
		{ "lddw %r1, map 3", "r1 = map[3] ll" },
		{ "lddw %r1, map_value 2, 16", "r1 = map_value[2] + 16 ll" },
		{ "arsh %r1, %r2", "r1 s>>= r2" },
	};
	for (size_t k = 0; k < sizeof(llvm) / sizeof(llvm[0]); k++) {
		struct moat_insn *p = NULL;
		size_t n = 0;
		struct moat_error e;
		char buf[128] = "";
		if (moat_asm(llvm[k].src, strlen(llvm[k].src), "t.s", &p, &n, &e) == 0)
			moat_disasm_insn(p, n, 0, MOAT_SYNTAX_LLVM, buf, sizeof(buf));
		is_str(buf, llvm[k].want, "llvm syntax of %s", llvm[k].src);
		free(p);
	}
}

static void test_invalid_encodings(void)
{
	static const uint64_t words[] = {
		0x0000000100010004, /* add32 with offset */
		0x0000000100000095, /* exit with imm */
		0x00000000000000ff, /* no such opcode */
		0x000000000000b0b7, /* mov %r0 from register 11 */
		0x0000000000000018, /* lddw without its second slot */
	};
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		uint64_t w = words[k];
		struct moat_insn i = MOAT_INSN((uint8_t)w, (w >> 8) & 0xf, (w >> 12) & 0xf,
					       (int16_t)(uint16_t)(w >> 16), (int32_t)(w >> 32));
		char buf[64], want[64];
		snprintf(want, sizeof(want), ".insn 0x%016" PRIx64, w);
		ok(moat_disasm_insn(&i, 1, 0, MOAT_SYNTAX_MOAT, buf, sizeof(buf)) < 0,
		   "0x%016" PRIx64 " is invalid", w);
		is_str(buf, want, "printed raw");
	}
}

/* Disassembles a program and assembles it again; true if the bytes match. */
static bool round_trip(const struct moat_insn *p, size_t n, bool labels, const char *name)
{
	struct moat_error e;
	MOAT_AUTO(free) char *txt = moat_disasm(p, n, MOAT_SYNTAX_MOAT, labels, &e);
	struct moat_insn *q = NULL;
	size_t m = 0;
	int r = txt ? moat_asm(txt, strlen(txt), name, &q, &m, &e) : -1;
	bool same = r == 0 && m == n && (n == 0 || !memcmp(p, q, n * sizeof(*p)));
	if (!same)
		diag("%s: %s\n%s", name, r ? e.msg : "bytes differ", txt ? txt : "");
	free(q);
	return same;
}

/* Every opcode with random fields, mostly small ones so valid forms are common:
 * whatever the disassembler prints must assemble back to the same words. */
static void test_random_words(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int bad = 0;
	for (int k = 0; k < 200000 && bad < 5; k++) {
		struct moat_insn p[2];
		for (int s = 0; s < 2; s++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			bool small = x & 1;
			p[s] = MOAT_INSN((uint8_t)(x >> 8), (x >> 16) & (small ? 7 : 15),
					 (x >> 20) & (small ? 7 : 15),
					 small ? (int16_t)((x >> 24) & 0x1f) - 8 : (int16_t)(x >> 24),
					 small ? (int32_t)((x >> 40) & 0x7f) - 4 : (int32_t)(x >> 32));
			if (x & 2 && s == 0)
				p[0].off = 0;
			if (x & 4 && s == 1)
				p[1] = MOAT_INSN(0, 0, 0, 0, (int32_t)(x >> 32));
		}
		if (!round_trip(p, 2, k & 1, "random"))
			bad++;
	}
	is_int(bad, 0, "random instruction words round-trip");
}

static void conformance_dir(const char *dir, bool negative, int *files, int *good)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 5, ".data"))
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct moat_conf_test t;
		struct moat_error e;
		(*files)++;
		if (moat_conf_test_load(path, &t, &e)) {
			ok(0, "load %s: %s", path, e.msg);
			continue;
		}
		if (t.asm_failed && !negative) {
			ok(0, "%s assembles: %s", path, t.asm_error.msg);
		} else if (t.insns && !t.asm_failed) {
			bool a = round_trip(t.insns, t.n_insns, false, path);
			bool b = round_trip(t.insns, t.n_insns, true, path);
			if (a && b)
				(*good)++;
			else
				ok(0, "round trip of %s", path);
		} else {
			(*good)++;
		}
		moat_conf_test_release(&t);
	}
	closedir(d);
}

static void test_conformance(void)
{
	const char *shared = getenv("MOAT_SHARED");
	if (!shared) {
		skip("MOAT_SHARED not set");
		return;
	}
	char dir[4096];
	int files = 0, good = 0;
	snprintf(dir, sizeof(dir), "%s/conformance/bpf_conformance", shared);
	conformance_dir(dir, false, &files, &good);
	snprintf(dir, sizeof(dir), "%s/conformance/bpf_conformance/negative", shared);
	conformance_dir(dir, true, &files, &good);
	ok(files > 200, "found the conformance files (%d)", files);
	is_int(good, files, "every .data file loads and round-trips");

	struct moat_conf_test t;
	struct moat_error e;
	snprintf(dir, sizeof(dir), "%s/conformance/bpf_conformance/lddw.data", shared);
	if (ok(moat_conf_test_load(dir, &t, &e) == 0, "lddw.data loads")) {
		ok(t.n_insns == 3 && t.insns[0].code == 0x18 && t.insns[1].imm == 0x11223344,
		   "raw 0x words");
		ok(t.has_result && t.result == 0x1122334455667788, "result");
		moat_conf_test_release(&t);
	}
	snprintf(dir, sizeof(dir), "%s/conformance/bpf_conformance/negative/invalid_register.data",
		 shared);
	if (ok(moat_conf_test_load(dir, &t, &e) == 0, "invalid_register.data loads")) {
		ok(t.asm_failed && t.insns == NULL && t.asm_error.line == 4, "asm failure kept (%s)",
		   t.asm_error.msg);
		ok(t.expect_error && !strcmp(t.error_text, "Invalid register"), "error text");
		moat_conf_test_release(&t);
	}
	snprintf(dir, sizeof(dir),
		 "%s/conformance/bpf_conformance/negative/unused-add_imm-offset.data", shared);
	if (ok(moat_conf_test_load(dir, &t, &e) == 0, "unused-add_imm-offset.data loads")) {
		ok(t.n_insns == 2 && t.insns[0].off == 1 && t.insns[0].imm == 1, "raw byte lines");
		ok(t.expect_error && !strcmp(t.error_text, ""), "empty error section");
		moat_conf_test_release(&t);
	}
	static const char *const must_fail[] = { "invalid_imm32_dec_range", "invalid_imm32_hex_range",
						 "invalid_offset", "invalid_offset_range",
						 "invalid_operand_count", "invalid_lock",
						 "invalid_lock2", "invalid_register" };
	for (size_t k = 0; k < sizeof(must_fail) / sizeof(must_fail[0]); k++) {
		snprintf(dir, sizeof(dir), "%s/conformance/bpf_conformance/negative/%s.data", shared,
			 must_fail[k]);
		if (moat_conf_test_load(dir, &t, &e) == 0) {
			ok(t.asm_failed, "%s does not assemble (%s)", must_fail[k], t.asm_error.msg);
			moat_conf_test_release(&t);
		} else {
			ok(0, "load %s: %s", dir, e.msg);
		}
	}
	snprintf(dir, sizeof(dir), "%s/conformance/bpf_conformance/ldxdw.data", shared);
	if (ok(moat_conf_test_load(dir, &t, &e) == 0, "ldxdw.data loads")) {
		ok(t.mem_len == 12 && t.mem[0] == 0xaa && t.mem[11] == 0xdd, "mem bytes");
		ok(!t.expect_error && t.n_insns == 2, "asm program");
		moat_conf_test_release(&t);
	}
}

int main(void)
{
	test_forms();
	test_labels();
	test_errors();
	test_map_directive();
	test_map_errors();
	test_llvm();
	test_invalid_encodings();
	test_conformance();
	test_random_words();
	return tap_done();
}
