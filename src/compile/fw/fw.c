/* The firewall's entry points: compile, check, and running verdicts in moat's VM. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <moat/fw.h>
#include <moat/map.h>
#include <moat/verify.h>

#include "compile/fw/fw_internal.h"

struct moat_fw_prog *moat_fw_compile(const struct moat_fw_rules *rs,
				     const struct moat_fw_compile_opts *opts,
				     struct moat_error *err)
{
	MOAT_OPTS(moat_fw_compile_opts, def);
	const struct moat_fw_compile_opts *o = opts ? opts : &def;
	enum fw_dir dir = o->dir == MOAT_FW_OUT ? FW_DIR_OUT : FW_DIR_IN;
	if (o->hook == MOAT_FW_XDP && dir == FW_DIR_OUT) {
		moat_error_set(err, EINVAL, "XDP sees only incoming packets; use TC for 'out'");
		return NULL;
	}
	struct moat_fw_prog *fp = calloc(1, sizeof(*fp));
	if (!fp) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	fp->hook = o->hook;
	fp->dir = dir;
	fp->rs = rs;
	fp->nrules = rs->rules.n;
	fp->record = MOAT_OPTS_HAS(o, moat_fw_compile_opts, record_verdict) && o->record_verdict;
	struct fw_plan p;
	int r = fw_plan_build(rs, dir, o->iface, &p, err);
	if (r == 0) {
		r = fw_codegen(rs, &p, o, fp, err);
		fw_plan_release(&p);
	}
	if (r == 0) {
		/* Re-validate at the trust boundary: what moat emits, moat verifies. */
		MOAT_OPTS(moat_verify_opts, vo, .kernel_rules = true);
		if (moat_verify(fp->prog, &vo, NULL, err) < 0) {
			moat_error_prefix(err, "the compiled firewall failed verification");
			r = -EINVAL;
		}
	}
	if (r < 0) {
		moat_fw_prog_free(fp);
		return NULL;
	}
	return fp;
}

void moat_fw_prog_free(struct moat_fw_prog *fp)
{
	if (!fp)
		return;
	moat_prog_free(fp->prog);
	free(fp);
}

struct moat_prog *moat_fw_prog_prog(const struct moat_fw_prog *fp)
{
	return fp->prog;
}

size_t moat_fw_prog_entries(const struct moat_fw_prog *fp)
{
	return fp->nentries;
}

void moat_fw_prog_stats(const struct moat_fw_prog *fp, struct moat_fw_stats *st)
{
	*st = fp->stats;
}

bool moat_fw_dir_used(const struct moat_fw_rules *rs, enum moat_fw_dir dir, const char *iface)
{
	enum fw_dir d = dir == MOAT_FW_OUT ? FW_DIR_OUT : FW_DIR_IN;
	if (!rs->default_pass[d])
		return true;
	for (size_t i = 0; i < rs->rules.n; i++) {
		const struct fw_rule *r = &rs->rules.v[i];
		if ((!r->dir || r->dir == d) && (!r->iface[0] || !iface || !strcmp(r->iface, iface)))
			return true;
	}
	return false;
}

int moat_fw_prog_map(const struct moat_fw_prog *fp, enum moat_fw_map which)
{
	return (unsigned)which < MOAT_FW_MAP_COUNT ? fp->map_idx[which] : -1;
}

int moat_fw_prog_table_map(const struct moat_fw_prog *fp, const char *name)
{
	for (size_t i = 0; i < fp->rs->tables.n && i < 16; i++)
		if (!strcmp(fp->rs->tables.v[i].name, name))
			return fp->table_map_idx[i];
	return -1;
}

char *moat_fw_check(const struct moat_fw_rules *rs, const char *iface, struct moat_error *err)
{
	struct fw_plan in, out;
	if (fw_plan_build(rs, FW_DIR_IN, iface, &in, err) < 0)
		return NULL;
	if (fw_plan_build(rs, FW_DIR_OUT, iface, &out, err) < 0) {
		fw_plan_release(&in);
		return NULL;
	}
	struct sbuf b = { 0 };
	fw_plan_warnings(rs, &in, &out, &b);
	fw_plan_release(&in);
	fw_plan_release(&out);
	if (b.oom) {
		sbuf_release(&b);
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	return sbuf_take(&b);
}

/* ---- running in moat's VM ---- */

enum { MAX_FRAME = 65535 };

struct moat_fw_runner {
	const struct moat_fw_prog *fp;
	struct moat_exec *exec;
	uint8_t *buf; /* the frame, which the program may rewrite */
	struct moat_map *verdict;
	struct moat_map *log; /* the program's ring buffer, NULL when no rule logs */
	struct moat_fw_log_record rec;
	bool has_rec; /* the last run emitted rec */
};

/* Keeps the last record of the run (a run emits at most one). */
static int take_record(void *arg, const void *data, size_t len)
{
	struct moat_fw_runner *r = arg;
	memset(&r->rec, 0, sizeof(r->rec));
	memcpy(&r->rec, data, len < sizeof(r->rec) ? len : sizeof(r->rec));
	r->has_rec = true;
	return 0;
}

const struct moat_fw_log_record *moat_fw_runner_log(const struct moat_fw_runner *r)
{
	return r->has_rec ? &r->rec : NULL;
}

struct moat_fw_runner *moat_fw_runner_new(struct moat_vm *vm, const struct moat_fw_prog *fp,
					  struct moat_error *err)
{
	if (!fp->record || fp->verdict_idx < 0) {
		moat_error_set(err, EINVAL, "the program was compiled without record_verdict");
		return NULL;
	}
	struct moat_fw_runner *r = calloc(1, sizeof(*r));
	if (!r) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	r->fp = fp;
	r->verdict = moat_prog_map(fp->prog, (size_t)fp->verdict_idx);
	if (fp->map_idx[MOAT_FW_MAP_LOG] >= 0)
		r->log = moat_prog_map(fp->prog, (size_t)fp->map_idx[MOAT_FW_MAP_LOG]);
	r->buf = malloc(MAX_FRAME);
	if (!r->buf) {
		moat_error_set(err, ENOMEM, "out of memory");
		moat_fw_runner_free(r);
		return NULL;
	}
	/* verified, unchecked, on moat's xdp or skb context (packet pointers
	 * converted by the VM as the kernel converts them) */
	MOAT_OPTS(moat_exec_opts, eo, .mode = MOAT_EXEC_INTERP);
	r->exec = moat_exec_new(vm, fp->prog, &eo, err);
	if (!r->exec) {
		moat_fw_runner_free(r);
		return NULL;
	}
	return r;
}

void moat_fw_runner_free(struct moat_fw_runner *r)
{
	if (!r)
		return;
	moat_exec_free(r->exec);
	free(r->buf);
	free(r);
}

int moat_fw_runner_run(struct moat_fw_runner *r, const void *frame, size_t len,
		       struct moat_fw_verdict *v, struct moat_error *err)
{
	if (len > MAX_FRAME)
		return moat_error_set(err, E2BIG, "frame of %zu bytes (at most %d)", len, MAX_FRAME);
	bool xdp = r->fp->hook == MOAT_FW_XDP;
	uint64_t ret;
	r->has_rec = false;
	int e;
	memcpy(r->buf, frame, len);
	if (xdp) {
		struct moat_xdp_ctx c;
		moat_xdp_ctx_init(&c, r->buf, len);
		e = moat_exec_run(r->exec, &c, sizeof(c), &ret, err);
	} else {
		struct moat_skb_ctx c;
		moat_skb_ctx_init(&c, r->buf, len);
		e = moat_exec_run(r->exec, &c, sizeof(c), &ret, err);
	}
	if (e < 0)
		return e;
	if (r->log && (e = moat_ringbuf_consume(r->log, take_record, r, err)) < 0)
		return e;
	uint32_t key = 0, rec[2];
	if ((e = moat_map_lookup(r->verdict, &key, rec, err)) < 0)
		return e;
	memset(v, 0, sizeof(*v));
	v->pass = xdp ? ret == 2 : ret == 0;
	v->rule = rec[0];
	v->by_state = rec[1] & 4;
	v->not_ip = rec[1] & 8;
	v->truncated = rec[1] & 16;
	v->log = rec[1] & 64;
	return 0;
}
