/*
 * The x86-64 JIT's driver: image layout, passes, and the executable
 * mapping.  Instruction selection is in jit_insn.c, the run-time side in
 * jit_run.c.
 *
 * Image layout:
 *
 *   entry        saves r12 and the callee-saved registers the program uses
 *                (r6-r9 live in rbx, r13-r15), sets r12 to the run, opens
 *                main's frame when it needs one (push rbp; mov rbp, rsp;
 *                sub rsp, 512: rbp is r10, the eBPF frame lies below it),
 *                sets r1 = rsi, r2 = rdx, zeroes the other registers the
 *                program can see (as the interpreter starts them), and
 *                falls into main.  Main's `exit` is the inline epilogue.
 *                (When a local call targets instruction 0, main cannot run
 *                in the entry's frame: a stub saves everything and calls
 *                main like any other function instead.)
 *   functions    main, then each local-call target in program order, each
 *                with the 11-byte prologue above; their `exit` is leave;
 *                ret.  rsp stays 16-byte aligned in every body, so helpers
 *                are called directly.
 *   stubs        cold exits: fell off the end, tail call pending, frames
 *                exhausted, packet load out of bounds; they set the run's
 *                status and unwind to main's frame in one step (rsp =
 *                run->entry_rsp, recorded by the entry when there are
 *                subprograms), which is how a tail call or an error leaves
 *                from any call depth, then run main's epilogue.
 *
 * Memory: code is written into a private RW mapping, which is then made
 * read+execute (never writable and executable at once), and unmapped when
 * the exec is freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "engine/isa.h"
#include "engine/jit/jit_internal.h"

#define JIT_MAX_PASSES 40

enum { RUN = X_R12 };

/* Zeroes r0 and r3-r5, and the r6-r9 the program uses: registers start at 0
 * as in the interpreter (and no host value ever leaks into a program). */
static void zero_regs(struct jit *j)
{
	static const uint8_t args[] = { X_RAX, X_RDX, X_RCX, X_R8 };
	for (size_t k = 0; k < sizeof(args); k++)
		x86_alu_rr(&j->b, XA_XOR, false, args[k], args[k]);
	for (int k = 0; k < j->nsaved; k++)
		x86_alu_rr(&j->b, XA_XOR, false, j->saved[k], j->saved[k]);
}

/*
 * The entry when main runs in it (main_inline): save r12 and the used
 * callee-saved registers, open main's frame when it uses r10, record rsp
 * for unwinding; main's code follows.  Fixed size: nothing before it moves.
 */
static void emit_entry_inline(struct jit *j)
{
	struct x86_buf *b = &j->b;
	if (j->bare) {
		/* verified, no calls: a plain C function fn(ctx, ctx_len),
		 * whose arguments arrive where r1 and r2 live (rdi, rsi);
		 * it saves the callee-saved registers it uses and opens its
		 * frame, nothing else */
		for (int k = 0; k < j->nsaved; k++)
			x86_push(b, j->saved[k]);
		if (j->main_frame) {
			x86_push(b, X_RBP);
			x86_mov_rr(b, true, X_RBP, X_RSP);
			x86_byte(b, 0x48); /* sub rsp, imm32: 48 81 EC id */
			x86_byte(b, 0x81);
			x86_byte(b, 0xec);
			x86_u32(b, MOAT_STACK_SIZE);
		}
		return;
	}
	x86_push(b, RUN);
	for (int k = 0; k < j->nsaved; k++)
		x86_push(b, j->saved[k]);
	if (j->pad)
		x86_alu_ri(b, XA_SUB, true, X_RSP, 8);
	if (j->main_frame) {
		x86_push(b, X_RBP);
		x86_mov_rr(b, true, X_RBP, X_RSP);
		x86_byte(b, 0x48); /* sub rsp, imm32: 48 81 EC id */
		x86_byte(b, 0x81);
		x86_byte(b, 0xec);
		x86_u32(b, MOAT_STACK_SIZE);
	}
	x86_mov_rr(b, true, RUN, X_RDI);
	if (j->subprogs) /* elsewhere every unwind starts at main's level */
		x86_store_r(b, XSZ_64, RUN, JR(entry_rsp), X_RSP);
	x86_mov_rr(b, true, X_RDI, X_RSI);
	x86_mov_rr(b, true, X_RSI, X_RDX);
	zero_regs(j);
}

void jit_main_epilogue(struct jit *j)
{
	struct x86_buf *b = &j->b;
	if (j->main_frame) {
		x86_byte(b, 0x48); /* add rsp, imm32: 48 81 C4 id */
		x86_byte(b, 0x81);
		x86_byte(b, 0xc4);
		x86_u32(b, MOAT_STACK_SIZE);
		x86_pop(b, X_RBP);
	}
	if (j->pad)
		x86_alu_ri(b, XA_ADD, true, X_RSP, 8);
	for (int k = j->nsaved; k-- > 0;)
		x86_pop(b, j->saved[k]);
	if (!j->bare)
		x86_pop(b, RUN);
	x86_ret(b);
}

/* The entry when main is also a local-call target: a stub that saves every
 * callee-saved register and calls main, which has a prologue like every
 * function.  Its epilogue is L_STUB_EXIT. */
static void emit_entry_stub(struct jit *j)
{
	struct x86_buf *b = &j->b;
	static const uint8_t saved[] = { X_RBX, X_RBP, X_R12, X_R13, X_R14, X_R15 };
	for (size_t k = 0; k < sizeof(saved); k++)
		x86_push(b, saved[k]);
	x86_alu_ri(b, XA_SUB, true, X_RSP, 8); /* 6 pushes + 8: aligned for calls */
	x86_mov_rr(b, true, RUN, X_RDI);
	x86_store_r(b, XSZ_64, RUN, JR(entry_rsp), X_RSP);
	x86_mov_rr(b, true, X_RDI, X_RSI);
	x86_mov_rr(b, true, X_RSI, X_RDX);
	zero_regs(j);
	int64_t main_at = j->first ? 0 : (int64_t)j->prev[0] - JIT_PROLOGUE_SIZE;
	x86_call32(b, (int32_t)(main_at - (int64_t)(b->len + 5)));
	j->lbl[L_STUB_EXIT] = (uint32_t)b->len;
	x86_alu_ri(b, XA_ADD, true, X_RSP, 8);
	for (size_t k = sizeof(saved); k-- > 0;)
		x86_pop(b, saved[k]);
	x86_ret(b);
}

static void emit_entry(struct jit *j)
{
	j->cur = SIZE_MAX;
	if (j->main_inline)
		emit_entry_inline(j);
	else
		emit_entry_stub(j);
}

static void emit_prologue(struct jit *j)
{
	struct x86_buf *b = &j->b;
	x86_push(b, X_RBP);
	x86_mov_rr(b, true, X_RBP, X_RSP);
	x86_byte(b, 0x48); /* sub rsp, imm32: 48 81 EC id (fixed size) */
	x86_byte(b, 0x81);
	x86_byte(b, 0xec);
	x86_u32(b, MOAT_STACK_SIZE);
}

static void set_status_unwind(struct jit *j, enum jit_status st)
{
	x86_store_i(&j->b, XSZ_32, RUN, JR(status), st);
	jit_jcc_label(j, -1, L_UNWIND);
}

/* The cold stubs after the last instruction (start[n] is L_OFF_END, so
 * falling off the end or jumping to n lands there). */
static void emit_stubs(struct jit *j)
{
	struct x86_buf *b = &j->b;
	j->cur = j->n;
	j->lbl[L_OFF_END] = (uint32_t)b->len;
	if (j->bare) {
		/* the verifier proved control never leaves the program */
		x86_byte(b, 0x0f); /* ud2 */
		x86_byte(b, 0x0b);
		j->lbl[L_TAIL] = j->lbl[L_DEPTH] = j->lbl[L_PKT_OUT] = j->lbl[L_UNWIND] =
			j->lbl[L_STUB_EXIT] = (uint32_t)b->len;
		if (j->ld_pkt) { /* an skb packet load outside the packet: r0 = 0 */
			x86_alu_rr(b, XA_XOR, false, X_RAX, X_RAX);
			jit_main_epilogue(j);
		}
		return;
	}
	set_status_unwind(j, JIT_ERR_OFF_END);
	j->lbl[L_TAIL] = (uint32_t)b->len;
	set_status_unwind(j, JIT_TAIL);
	j->lbl[L_DEPTH] = (uint32_t)b->len;
	set_status_unwind(j, JIT_ERR_DEPTH);
	j->lbl[L_PKT_OUT] = (uint32_t)b->len;
	x86_alu_rr(b, XA_XOR, false, X_RAX, X_RAX);
	j->lbl[L_UNWIND] = (uint32_t)b->len;
	if (j->subprogs || !j->main_inline)
		x86_load(b, XSZ_64, X_RSP, RUN, JR(entry_rsp));
	if (j->main_inline) {
		j->lbl[L_STUB_EXIT] = (uint32_t)b->len;
		jit_main_epilogue(j);
	} else {
		jit_jcc_label(j, -1, L_STUB_EXIT);
	}
}

static int one_pass(struct jit *j)
{
	j->b.len = 0;
	j->rnd = j->seed;
	j->in_main = true;
	emit_entry(j);
	for (size_t i = 0; i < j->n;) {
		j->cur = i;
		j->in_main &= i == 0 || !j->is_func[i];
		if (j->is_func[i] && !(i == 0 && j->main_inline))
			emit_prologue(j);
		j->start[i] = (uint32_t)j->b.len;
		int used = jit_emit_insn(j, i);
		if (used < 0)
			return used;
		if (used == 2)
			j->start[i + 1] = (uint32_t)j->b.len;
		i += (size_t)used;
	}
	j->start[j->n] = (uint32_t)j->b.len;
	emit_stubs(j);
	if (j->b.oom)
		return moat_error_set(j->err, ENOMEM, "out of memory");
	if (j->b.len > INT32_MAX / 2)
		return moat_error_set(j->err, E2BIG, "native code too large");
	return 0;
}

/* Marks function starts (instruction 0 and every local-call target) and
 * finds what the entry must provide: the registers used, main's frame. */
static int scan(struct jit *j)
{
	static const uint8_t callee[] = { X_RBX, X_R13, X_R14, X_R15 };
	j->is_func[0] = 1;
	j->main_inline = true;
	j->light = true;
	for (size_t i = 0; i < j->n; i++) {
		const struct moat_insn *in = &j->in[i];
		j->used |= (uint16_t)(1u << (in->dst & 15) | 1u << (in->src & 15));
		if (moat_is_lddw(in)) {
			i++;
			continue;
		}
		unsigned cls = MOAT_CLASS(in->code), mode = MOAT_MODE(in->code);
		bool ld_pkt = cls == MOAT_LD && (mode == MOAT_ABS || mode == MOAT_IND);
		j->ld_pkt |= ld_pkt;
		/* skb execs' packet loads read the context in r6, not the run */
		if (in->code == (MOAT_JMP | MOAT_CALL) || in->code == (MOAT_JMP | MOAT_CALL | MOAT_X) ||
		    (ld_pkt && j->e->vmctx != MOAT_VMCTX_SKB))
			j->light = false;
		if (in->code != (MOAT_JMP | MOAT_CALL) || in->src != MOAT_CALL_LOCAL)
			continue;
		int64_t t = (int64_t)i + 1 + in->imm;
		if (t < 0 || (size_t)t >= j->n || (t > 0 && moat_is_lddw(&j->in[t - 1])))
			return moat_error_insn(j->err, EINVAL, (long)i,
					       "local call to %lld, not an instruction", (long long)t);
		j->is_func[t] = 1;
		j->main_inline &= t != 0;
	}
	for (int r = MOAT_R6; r <= MOAT_R9; r++)
		if (j->used & (1u << r))
			j->saved[j->nsaved++] = callee[r - MOAT_R6];
	/* main gets a frame when r10 is used anywhere, and whenever there are
	 * subprograms: their prologues change rbp, so the entry must save it
	 * for the epilogue that unwinding from inside them ends in */
	for (size_t i = 1; i < j->n; i++)
		j->subprogs |= j->is_func[i] != 0;
	j->main_frame = (j->used & (1u << MOAT_R10)) != 0 || j->subprogs;
	/* entry rsp is 8 mod 16; r12, the saved registers and rbp are pushed
	 * (a bare program calls nothing, so its stack needs no alignment) */
	j->bare = j->light && j->e->verified && j->main_inline && !j->subprogs;
	j->pad = !j->bare && (j->nsaved + j->main_frame) % 2 != 0;
	return 0;
}

static uint64_t blinding_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&s;
	}
	return s ? s : 0x2545f4914f6cdd1dull;
}

/*
 * Translates exec->prog into machine code.  On success *out owns the bytes
 * (out->p, out->len; free out->p).
 */
static int jit_translate(const struct moat_exec *e, bool harden, struct x86_buf *out,
			 bool *light, bool *bare, struct moat_error *err)
{
	struct jit j = { .e = e, .in = e->prog->insns, .n = e->prog->n, .harden = harden,
			 .err = err };
	int r = 0;
	if (!j.n)
		return moat_error_set(err, EINVAL, "empty program");
	j.start = calloc(j.n + 1, sizeof(*j.start));
	j.prev = calloc(j.n + 1, sizeof(*j.prev));
	j.is_func = calloc(j.n, 1);
	if (!j.start || !j.prev || !j.is_func) {
		r = moat_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if ((r = scan(&j)) < 0)
		goto out;
	j.seed = harden ? blinding_seed() : 0;
	j.first = true;
	if ((r = one_pass(&j)) < 0)
		goto out;
	j.first = false;
	for (int pass = 0;; pass++) {
		if (pass == JIT_MAX_PASSES) {
			r = moat_error_set(err, E2BIG, "native code layout did not converge");
			goto out;
		}
		size_t prev_len = j.b.len;
		uint32_t *t = j.prev;
		j.prev = j.start;
		j.start = t;
		memcpy(j.prev_lbl, j.lbl, sizeof(j.lbl));
		if ((r = one_pass(&j)) < 0)
			goto out;
		/* Sizes never grow from one pass to the next, so an equal total
		 * means every instruction kept its address: the displacements
		 * computed from the previous pass are exact. */
		if (j.b.len == prev_len)
			break;
	}
	if (memcmp(j.start, j.prev, (j.n + 1) * sizeof(*j.start)) ||
	    memcmp(j.lbl, j.prev_lbl, sizeof(j.lbl))) {
		r = moat_error_set(err, EINVAL, "native code layout is inconsistent");
		goto out;
	}
	*out = j.b;
	j.b.p = NULL;
	if (light)
		*light = j.light;
	if (bare)
		*bare = j.bare;
out:
	free(j.b.p);
	free(j.start);
	free(j.prev);
	free(j.is_func);
	return r;
}

int moat_jit_compile(struct moat_exec *e, bool harden, struct moat_error *err)
{
	struct x86_buf code = { 0 };
	bool light = false, bare = false;
	int r = jit_translate(e, harden, &code, &light, &bare, err);
	if (r < 0)
		return r;
	long page = sysconf(_SC_PAGESIZE);
	size_t map_len = (code.len + (size_t)page - 1) & ~((size_t)page - 1);
	struct moat_jit *jit = calloc(1, sizeof(*jit));
	void *mem = jit ? mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0)
			: MAP_FAILED;
	if (mem == MAP_FAILED) {
		free(code.p);
		free(jit);
		return moat_error_set(err, ENOMEM, "cannot map memory for native code");
	}
	memcpy(mem, code.p, code.len);
	memset((uint8_t *)mem + code.len, 0xcc, map_len - code.len); /* int3 */
	free(code.p);
	if (mprotect(mem, map_len, PROT_READ | PROT_EXEC) < 0) {
		int en = errno;
		munmap(mem, map_len);
		free(jit);
		return moat_error_set(err, en, "cannot make native code executable: %s",
				      strerror(en));
	}
	jit->image = mem;
	jit->size = code.len;
	jit->map_len = map_len;
	jit->entry = (moat_jit_entry_fn)mem;
	jit->light = light;
	jit->bare = bare;
	moat_jit_free(e->jit);
	e->jit = jit;
	return 0;
}

void moat_jit_free(struct moat_jit *jit)
{
	if (!jit)
		return;
	munmap(jit->image, jit->map_len);
	free(jit);
}

const void *moat_jit_code(const struct moat_jit *jit, size_t *len)
{
	if (len)
		*len = jit ? jit->size : 0;
	return jit ? jit->image : NULL;
}

int moat_jit_image(struct moat_vm *vm, const struct moat_prog *prog, bool harden, uint8_t **code,
		   size_t *len, struct moat_error *err)
{
	/* what moat_exec_new compiles for a verified program (the command
	 * verifies before it shows the code) */
	struct moat_exec e = { .vm = vm, .prog = prog, .mode = MOAT_EXEC_JIT, .checked = false,
			       .verified = true };
	struct x86_buf b = { 0 };
	int r = jit_translate(&e, harden, &b, NULL, NULL, err);
	if (r < 0)
		return r;
	*code = b.p;
	*len = b.len;
	return 0;
}
