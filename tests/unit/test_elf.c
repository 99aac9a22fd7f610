/*
 * ELF loader: compiles the BPF C sources in tests/helpers/bpf/ with clang at test time and
 * checks programs, maps, relocations, local-call linking and line info; then
 * feeds it broken objects (every truncation, wrong header fields, random
 * corruption) that must fail cleanly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <unistd.h>

#include <moat/moat.h>

#include "tap.h"

static char tmpdir[] = "/tmp/moat-test-elf-XXXXXX";

static char *obj_path(const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof(buf), "%s/%s.bpf.o", tmpdir, name);
	return buf;
}

static bool compile(const char *name)
{
	const char *top = getenv("MOAT_TOP") ? getenv("MOAT_TOP") : ".";
	const char *cc = getenv("CLANG") ? getenv("CLANG") : "clang";
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "%s -target bpf -O2 -g -I/usr/include/$(uname -m)-linux-gnu -c "
		 "'%s/tests/helpers/bpf/%s.bpf.c' -o '%s'",
		 cc, top, name, obj_path(name));
	return system(cmd) == 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct moat_obj *open_obj(const char *name)
{
	struct moat_error err;
	struct moat_obj *o = moat_obj_open(obj_path(name), &err);
	if (!ok(o != NULL, "%s opens", name))
		diag("error: %s", err.msg);
	return o;
}

static bool is_lddw(const struct moat_insn *in)
{
	return in->code == (MOAT_LD | MOAT_DW | MOAT_IMM);
}

static void test_sockfilter(void)
{
	struct moat_obj *o = open_obj("sockfilter");
	if (!o)
		return;
	is_int(moat_obj_prog_count(o), 1, "sockfilter: one program");
	struct moat_prog *p = moat_obj_prog(o, 0);
	is_str(moat_prog_name(p), "count_packets", "program name");
	is_str(moat_obj_prog_section(o, 0), "socket", "program section");
	is_int(moat_prog_type(p), MOAT_PROG_SOCKET_FILTER, "socket -> SOCKET_FILTER");
	ok(moat_obj_find_prog(o, "count_packets") == p, "find by function name");
	ok(moat_obj_find_prog(o, "socket") == p, "find by section name");
	is_int(moat_obj_map_count(o), 3, "three maps");
	struct moat_map *sized = moat_obj_find_map(o, "sized");
	ok(sized && moat_map_type(sized) == MOAT_MAP_HASH && moat_map_key_size(sized) == 4 &&
		   moat_map_value_size(sized) == 16 && moat_map_max_entries(sized) == 8,
	   "sized: __uint(key_size/value_size) and map_flags");
	struct moat_map *counts = moat_obj_find_map(o, "counts");
	struct moat_map *slots = moat_obj_find_map(o, "slots");
	ok(counts && slots, "maps found by name");
	if (counts) {
		is_int(moat_map_type(counts), MOAT_MAP_HASH, "counts: hash");
		is_int(moat_map_key_size(counts), 8, "counts: key is struct key (8)");
		is_int(moat_map_value_size(counts), 8, "counts: value u64");
		is_int(moat_map_max_entries(counts), 128, "counts: max_entries");
	}
	if (slots) {
		is_int(moat_map_type(slots), MOAT_MAP_ARRAY, "slots: array");
		is_int(moat_map_key_size(slots), 4, "slots: key via typedef");
		is_int(moat_map_value_size(slots), 24, "slots: value u32[6]");
		is_int(moat_map_max_entries(slots), 4, "slots: max_entries");
	}
	size_t n;
	const struct moat_insn *in = moat_prog_insns(p, &n);
	int seen_counts = 0, seen_slots = 0, bad = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (!is_lddw(&in[i]))
			continue;
		struct moat_map *m = moat_prog_map(p, (size_t)in[i].imm);
		if (in[i].src != MOAT_PSEUDO_MAP_FD || !m)
			bad++;
		else if (m == counts)
			seen_counts++;
		else if (m == slots)
			seen_slots++;
		i++;
	}
	ok(seen_counts >= 1 && seen_slots == 1 && !bad, "lddw relocated to MAP_FD (%d/%d/%d)",
	   seen_counts, seen_slots, bad);
	is_int(moat_prog_map_count(p), 2, "program map table deduplicated");
	const struct moat_line_info *li = moat_prog_line_info(p, 0);
	ok(li && li->file && strstr(li->file, "sockfilter.bpf.c") && li->line > 0,
	   "line info for insn 0");
	if (li)
		diag("insn 0: %s:%u:%u %s", li->file, li->line, li->col, li->text ? li->text : "");
	li = moat_prog_line_info(p, n - 1);
	ok(li && li->text && li->line > 20, "line info for the last insn");
	moat_obj_free(o);
}

static void test_legacy(void)
{
	struct moat_obj *o = open_obj("xdp_legacy");
	if (!o)
		return;
	struct moat_prog *p = moat_obj_find_prog(o, "xdp_count");
	ok(p != NULL, "xdp_count found");
	if (p)
		is_int(moat_prog_type(p), MOAT_PROG_XDP, "xdp -> XDP");
	struct moat_map *m = moat_obj_find_map(o, "drops");
	ok(m != NULL, "legacy map found");
	if (m) {
		is_int(moat_map_type(m), MOAT_MAP_ARRAY, "drops: array");
		is_int(moat_map_key_size(m), 4, "drops: key_size");
		is_int(moat_map_value_size(m), 8, "drops: value_size");
		is_int(moat_map_max_entries(m), 2, "drops: max_entries");
	}
	if (p && m) {
		size_t n;
		const struct moat_insn *in = moat_prog_insns(p, &n);
		bool found = false;
		for (size_t i = 0; i + 1 < n; i++)
			if (is_lddw(&in[i]) && in[i].src == MOAT_PSEUDO_MAP_FD &&
			    moat_prog_map(p, (size_t)in[i].imm) == m)
				found = true;
		ok(found, "lddw refers to the legacy map");
	}
	moat_obj_free(o);
}

static void test_globals(void)
{
	struct moat_obj *o = open_obj("globals");
	if (!o)
		return;
	struct moat_prog *p = moat_obj_find_prog(o, "tc_globals");
	ok(p && moat_prog_type(p) == MOAT_PROG_SCHED_CLS, "tc -> SCHED_CLS");
	struct moat_map *ro = moat_obj_find_map(o, ".rodata");
	struct moat_map *da = moat_obj_find_map(o, ".data");
	struct moat_map *bss = moat_obj_find_map(o, ".bss");
	ok(ro && da && bss, ".rodata, .data and .bss maps");
	if (!p || !ro || !da || !bss) {
		moat_obj_free(o);
		return;
	}
	is_int(moat_map_type(ro), MOAT_MAP_ARRAY, ".rodata is an array");
	is_int(moat_map_max_entries(ro), 1, ".rodata has one entry");
	is_int(moat_map_value_size(ro), 16, ".rodata value is the section (16 bytes)");
	uint32_t key = 0;
	uint8_t rov[16] = { 0 };
	uint32_t dv = 0;
	uint64_t bv = 1;
	ok(moat_map_lookup(ro, &key, rov, NULL) == 0, ".rodata lookup");
	ok(moat_map_lookup(da, &key, &dv, NULL) == 0 && dv == 7, ".data holds hits = 7");
	ok(moat_map_lookup(bss, &key, &bv, NULL) == 0 && bv == 0, ".bss is zero");
	size_t n;
	const struct moat_insn *in = moat_prog_insns(p, &n);
	int seen_limit = 0, seen_magic = 0, seen_data = 0, seen_bss = 0, bad = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (!is_lddw(&in[i]))
			continue;
		struct moat_map *m = moat_prog_map(p, (size_t)in[i].imm);
		uint32_t off = (uint32_t)in[i + 1].imm;
		if (in[i].src != MOAT_PSEUDO_MAP_VALUE || !m) {
			bad++;
		} else if (m == ro && off + 4 <= sizeof(rov)) {
			uint32_t v;
			memcpy(&v, rov + off, 4);
			seen_limit += v == 42;
			seen_magic += v == 0x55667788;
		} else if (m == da) {
			seen_data += off == 0;
		} else if (m == bss) {
			seen_bss += off == 0;
		} else {
			bad++;
		}
		i++;
	}
	ok(seen_limit == 1 && seen_magic == 1 && seen_data == 1 && seen_bss == 1 && !bad,
	   "MAP_VALUE relocations point at limit, magic, hits, total (%d %d %d %d %d)",
	   seen_limit, seen_magic, seen_data, seen_bss, bad);
	moat_obj_free(o);
}

/* Checks every pseudo call of p lands in range on the start of a function. */
static int call_targets(const struct moat_prog *p, size_t *targets, int max)
{
	size_t n;
	const struct moat_insn *in = moat_prog_insns(p, &n);
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i].code != (MOAT_JMP | MOAT_CALL) || in[i].src != MOAT_CALL_LOCAL)
			continue;
		int64_t t = (int64_t)i + 1 + in[i].imm;
		if (k < max)
			targets[k] = t >= 0 && (size_t)t < n ? (size_t)t : (size_t)-1;
		k++;
	}
	return k;
}

static void test_calls(void)
{
	struct moat_obj *o = open_obj("calls");
	if (!o)
		return;
	is_int(moat_obj_prog_count(o), 3, "three programs");
	struct moat_prog *first = moat_obj_find_prog(o, "first");
	struct moat_prog *second = moat_obj_find_prog(o, "second");
	struct moat_prog *tp = moat_obj_find_prog(o, "tracepoint/syscalls/sys_enter_openat");
	ok(first && second && tp, "programs found");
	if (!first || !second || !tp) {
		moat_obj_free(o);
		return;
	}
	is_str(moat_prog_name(tp), "on_open", "tracepoint program name");
	is_int(moat_prog_type(tp), MOAT_PROG_TRACEPOINT, "tracepoint/ -> TRACEPOINT");
	is_str(moat_obj_prog_section(o, 0), "xdp", "first program's section");
	size_t n, t[4];
	const struct moat_insn *in = moat_prog_insns(first, &n);
	is_int(n, 7, "first: 3 insns + add3 (4)");
	ok(call_targets(first, t, 4) == 1 && t[0] == 3, "first: call -> appended add3");
	ok(n == 7 && in[3].code == (MOAT_ALU64 | MOAT_MOV | MOAT_X) && in[6].code == (MOAT_JMP | MOAT_EXIT),
	   "add3 body appended");
	in = moat_prog_insns(second, &n);
	is_int(n, 15, "second: 3 + twice (8) + add3 (4)");
	ok(call_targets(second, t, 4) == 3 && t[0] == 3 && t[1] == 11 && t[2] == 11,
	   "second: calls linked (twice at 3, add3 at 11)");
	ok(moat_prog_line_info(second, 12) != NULL, "line info covers appended callee");
	moat_obj_free(o);
}

/* Runs a loaded program in the interpreter: 23 + 25 + 101 = 149, and .data changes. */
static void test_run(void)
{
	struct moat_obj *o = open_obj("run");
	if (!o)
		return;
	struct moat_prog *p = moat_obj_find_prog(o, "mem_calls");
	ok(p && moat_prog_type(p) == MOAT_PROG_MEM, "unknown section -> MOAT_PROG_MEM");
	struct moat_error err;
	struct moat_vm *vm = moat_vm_new(NULL, &err);
	MOAT_OPTS(moat_exec_opts, eo, .mode = MOAT_EXEC_INTERP, .mem_len = 16);
	struct moat_exec *ex = vm && p ? moat_exec_new(vm, p, &eo, &err) : NULL;
	ok(ex != NULL, "loaded program verifies: %s", ex ? "" : err.msg);
	if (ex) {
		uint8_t buf[16] = { 0 };
		uint64_t ret = 0;
		ok(moat_exec_run(ex, buf, sizeof(buf), &ret, &err) == 0 && ret == 149,
		   "runs: r0 = %llu", (unsigned long long)ret);
		uint32_t key = 0;
		int runs = 0;
		ok(moat_map_lookup(moat_obj_find_map(o, ".data"), &key, &runs, NULL) == 0 &&
			   runs == 101,
		   ".data counter updated by the program (%d)", runs);
	}
	moat_exec_free(ex);
	moat_vm_free(vm);
	moat_obj_free(o);
}

/* Offset of the first Elf64_Rel of section `name` in img, or 0. */
static size_t find_rel(const uint8_t *img, size_t len, const char *name)
{
	Elf64_Ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	Elf64_Shdr str;
	memcpy(&str, img + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof(str));
	for (size_t i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_REL && sh.sh_offset + sizeof(Elf64_Rel) <= len &&
		    !strcmp((const char *)img + str.sh_offset + sh.sh_name, name))
			return sh.sh_offset;
	}
	return 0;
}

static void test_bad_relocs(void)
{
	size_t len;
	uint8_t *img = slurp(obj_path("xdp_legacy"), &len);
	size_t at = img ? find_rel(img, len, ".relxdp") : 0;
	ok(at != 0, "found .relxdp");
	if (!at) {
		free(img);
		return;
	}
	struct moat_error err;
	Elf64_Rel rel, orig;
	memcpy(&orig, img + at, sizeof(orig));
	rel = orig;
	rel.r_offset = 3;
	memcpy(img + at, &rel, sizeof(rel));
	struct moat_obj *o = moat_obj_open_mem(img, len, "r.o", &err);
	ok(!o && strstr(err.msg, "r.o: section 'xdp': relocation 0: offset 3 is not an instruction"),
	   "misaligned relocation: %s", err.msg);
	rel = orig;
	rel.r_offset = 1u << 20;
	memcpy(img + at, &rel, sizeof(rel));
	o = moat_obj_open_mem(img, len, "r.o", &err);
	ok(!o && strstr(err.msg, "is not an instruction"), "relocation past the end: %s", err.msg);
	rel = orig;
	rel.r_info = ELF64_R_INFO(100000, ELF64_R_TYPE(orig.r_info));
	memcpy(img + at, &rel, sizeof(rel));
	o = moat_obj_open_mem(img, len, "r.o", &err);
	ok(!o && strstr(err.msg, "bad symbol index 100000"), "bad symbol: %s", err.msg);
	rel = orig;
	rel.r_offset = 0; /* the first insn is not a lddw */
	memcpy(img + at, &rel, sizeof(rel));
	o = moat_obj_open_mem(img, len, "r.o", &err);
	ok(!o && strstr(err.msg, "not a 64-bit immediate load"), "reloc on a non-lddw: %s", err.msg);
	rel = orig;
	rel.r_info = ELF64_R_INFO(ELF64_R_SYM(orig.r_info), 7);
	memcpy(img + at, &rel, sizeof(rel));
	o = moat_obj_open_mem(img, len, "r.o", &err);
	ok(!o && strstr(err.msg, "unsupported type 7"), "unknown relocation type: %s", err.msg);
	free(img);
}

static void test_errors(void)
{
	struct moat_error err;
	struct moat_obj *o = moat_obj_open(obj_path("missing_map"), &err);
	ok(!o, "reference to an undefined map fails");
	ok(strstr(err.msg, "missing_map.bpf.o: section 'xdp': relocation 0 refers to map 'missing' "
			   "that is not defined") != NULL,
	   "message: %s", err.msg);
	moat_obj_free(o);

	o = moat_obj_open("/nonexistent/x.o", &err);
	ok(!o && err.errnum == ENOENT, "missing file: ENOENT");

	o = moat_obj_open_mem("hello world, not elf", 20, "x.o", &err);
	ok(!o && strstr(err.msg, "x.o: not an ELF file"), "not ELF: %s", err.msg);
	o = moat_obj_open_mem("", 0, "empty.o", &err);
	ok(!o && err.msg[0], "empty input: %s", err.msg);

	size_t len;
	uint8_t *img = slurp(obj_path("sockfilter"), &len);
	ok(img && len > 64, "read sockfilter object");
	if (!img)
		return;
	uint8_t *b = malloc(len);
	int fails = 0, messages = 0;
	for (size_t l = 0; l < len; l++) {
		memcpy(b, img, l);
		o = moat_obj_open_mem(b, l, "t.o", &err);
		fails += o == NULL;
		messages += o == NULL && err.msg[0] != 0 && err.errnum != 0;
		moat_obj_free(o);
	}
	is_int(fails, len, "every truncation fails");
	is_int(messages, len, "every truncation has a message");

	memcpy(b, img, len);
	b[18] = 62; /* e_machine = EM_X86_64 */
	o = moat_obj_open_mem(b, len, "t.o", &err);
	ok(!o && strstr(err.msg, "not a BPF object"), "wrong machine: %s", err.msg);
	memcpy(b, img, len);
	b[4] = 1; /* ELFCLASS32 */
	o = moat_obj_open_mem(b, len, "t.o", &err);
	ok(!o && strstr(err.msg, "64-bit"), "32-bit: %s", err.msg);
	memcpy(b, img, len);
	b[5] = 2; /* ELFDATA2MSB */
	o = moat_obj_open_mem(b, len, "t.o", &err);
	ok(!o && strstr(err.msg, "little-endian"), "big-endian: %s", err.msg);

	/* Random corruption: must never crash (the sanitizers watch). */
	uint32_t seed = 12345;
	int opened = 0;
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(b, img, len);
		for (int k = 0; k < 1 + iter % 8; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			b[at] = (uint8_t)(seed >> 16);
		}
		o = moat_obj_open_mem(b, len, "fuzz.o", &err);
		opened += o != NULL;
		moat_obj_free(o);
	}
	ok(1, "3000 corrupted objects handled (%d still opened)", opened);
	free(b);
	free(img);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	static const char *const srcs[] = { "sockfilter", "xdp_legacy", "globals", "calls",
					    "missing_map", "run" };
	bool all = true;
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		all &= compile(srcs[i]);
	if (!all) {
		skip("clang -target bpf could not compile the test objects");
	} else {
		test_sockfilter();
		test_legacy();
		test_globals();
		test_calls();
		test_run();
		test_errors();
		test_bad_relocs();
	}
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return tap_done();
}
