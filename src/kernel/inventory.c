/*
 * The running kernel's BPF objects and task list, asked of the kernel:
 * programs, maps and links by id (bpf_*_get_next_id, then an fd by id and
 * bpf_obj_get_info_by_fd), their holders from /proc/PID/fdinfo, and the
 * thread-group leaders from a BPF task iterator.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <moat/builder.h>
#include <moat/insn.h>
#include <moat/prog.h>
#include <moat/kernel_inventory.h>

#include "util/cleanup.h"

struct inv_builder {
	struct moat_kinv *inv;
	size_t cap;
};

static struct moat_kobj *inv_push(struct inv_builder *b)
{
	if (b->inv->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct moat_kobj *n = realloc(b->inv->objs, cap * sizeof(*n));
		if (!n)
			return NULL;
		b->inv->objs = n;
		b->cap = cap;
	}
	struct moat_kobj *o = &b->inv->objs[b->inv->n++];
	memset(o, 0, sizeof(*o));
	return o;
}

static void type_name(char *out, size_t len, const char *name, unsigned type)
{
	if (name)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "type %u", type);
}

static int describe_prog(int fd, struct moat_kobj *o)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	uint32_t maps[8] = { 0 }, nmaps = info.nr_map_ids < 8 ? info.nr_map_ids : 8;
	uint32_t nks = info.nr_jited_ksyms < 4096 ? info.nr_jited_ksyms : 4096;
	uint64_t *ks = nks ? calloc(nks, sizeof(*ks)) : NULL;
	struct bpf_prog_info again = { .nr_map_ids = nmaps, .map_ids = (uint64_t)(uintptr_t)maps,
				       .nr_jited_ksyms = ks ? nks : 0,
				       .jited_ksyms = (uint64_t)(uintptr_t)ks };
	len = sizeof(again);
	if ((nmaps || ks) && bpf_obj_get_info_by_fd(fd, &again, &len) < 0) {
		nmaps = 0;
		free(ks);
		ks = NULL;
	}
	o->ksyms = ks;
	o->nksyms = ks ? nks : 0;
	type_name(o->type, sizeof(o->type), libbpf_bpf_prog_type_str(info.type), info.type);
	snprintf(o->name, sizeof(o->name), "%s", info.name);
	int at = snprintf(o->attach, sizeof(o->attach), "tag %02x%02x%02x%02x%02x%02x%02x%02x uid %u",
			  info.tag[0], info.tag[1], info.tag[2], info.tag[3], info.tag[4], info.tag[5],
			  info.tag[6], info.tag[7], info.created_by_uid);
	for (uint32_t i = 0; i < nmaps && at > 0 && (size_t)at < sizeof(o->attach); i++)
		at += snprintf(o->attach + at, sizeof(o->attach) - (size_t)at, "%s%u",
			       i ? "," : " maps ", maps[i]);
	return 0;
}

static int describe_map(int fd, struct moat_kobj *o)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	type_name(o->type, sizeof(o->type), libbpf_bpf_map_type_str(info.type), info.type);
	snprintf(o->name, sizeof(o->name), "%s", info.name);
	snprintf(o->attach, sizeof(o->attach), "key %u value %u max_entries %u", info.key_size,
		 info.value_size, info.max_entries);
	return 0;
}

static const char *attach_name(unsigned t)
{
	const char *s = libbpf_bpf_attach_type_str(t);
	return s ? s : "?";
}

/* The attach point of a link, as far as the kernel's link info tells. */
static void link_attach(int fd, const struct bpf_link_info *info, struct btf **vmlinux, char *out,
			size_t len)
{
	char name[128] = "";
	struct bpf_link_info again = { 0 };
	uint32_t l = sizeof(again);
	switch (info->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		again.raw_tracepoint.tp_name = (uint64_t)(uintptr_t)name;
		again.raw_tracepoint.tp_name_len = sizeof(name);
		bpf_obj_get_info_by_fd(fd, &again, &l);
		snprintf(out, len, "raw tracepoint %.100s", name);
		break;
	case BPF_LINK_TYPE_ITER:
		again.iter.target_name = (uint64_t)(uintptr_t)name;
		again.iter.target_name_len = sizeof(name);
		bpf_obj_get_info_by_fd(fd, &again, &l);
		snprintf(out, len, "iterator %.100s", name);
		break;
	case BPF_LINK_TYPE_TRACING: {
		/*
		 * BTF object 1 is vmlinux's: the first BTF the kernel registers.
		 * Its parse costs milliseconds, so it is loaded on the first
		 * tracing link only.
		 */
		if (!*vmlinux && info->tracing.target_obj_id == 1)
			*vmlinux = btf__load_vmlinux_btf();
		const struct btf_type *t = *vmlinux && info->tracing.target_obj_id == 1
						   ? btf__type_by_id(*vmlinux, info->tracing.target_btf_id)
						   : NULL;
		snprintf(out, len, "%s %s (btf %u:%u)", attach_name(info->tracing.attach_type),
			 t ? btf__name_by_offset(*vmlinux, t->name_off) : "?", info->tracing.target_obj_id,
			 info->tracing.target_btf_id);
		break;
	}
	case BPF_LINK_TYPE_CGROUP:
		snprintf(out, len, "%s cgroup id %llu", attach_name(info->cgroup.attach_type),
			 (unsigned long long)info->cgroup.cgroup_id);
		break;
	case BPF_LINK_TYPE_NETNS:
		snprintf(out, len, "%s netns inode %u", attach_name(info->netns.attach_type),
			 info->netns.netns_ino);
		break;
	case BPF_LINK_TYPE_XDP: {
		char ifn[IF_NAMESIZE] = "?";
		if_indextoname(info->xdp.ifindex, ifn);
		snprintf(out, len, "xdp on %s (ifindex %u)", ifn, info->xdp.ifindex);
		break;
	}
	default:
		snprintf(out, len, "attach point not reported by this libbpf");
		break;
	}
}

static int describe_link(int fd, struct moat_kobj *o, struct btf **vmlinux)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	type_name(o->type, sizeof(o->type), libbpf_bpf_link_type_str(info.type), info.type);
	o->prog_id = info.prog_id;
	char where[128];
	link_attach(fd, &info, vmlinux, where, sizeof(where));
	snprintf(o->attach, sizeof(o->attach), "prog %u, %.140s", info.prog_id, where);
	return 0;
}

static const struct {
	enum moat_kobj_kind kind;
	int (*next)(uint32_t, uint32_t *);
	int (*fd_by_id)(uint32_t);
	const char *what;
} kinds[] = {
	{ MOAT_KOBJ_PROG, bpf_prog_get_next_id, bpf_prog_get_fd_by_id, "program" },
	{ MOAT_KOBJ_MAP, bpf_map_get_next_id, bpf_map_get_fd_by_id, "map" },
	{ MOAT_KOBJ_LINK, bpf_link_get_next_id, bpf_link_get_fd_by_id, "link" },
};

/* Lists every object of one kind; objects gone between next_id and fd_by_id are skipped. */
static int collect_kind(struct inv_builder *b, size_t k, struct btf **vmlinux, struct moat_error *err)
{
	uint32_t id = 0;
	for (;;) {
		if (kinds[k].next(id, &id) < 0) {
			if (errno == ENOENT)
				return 0;
			return moat_error_set(err, errno, "listing BPF %ss: %s", kinds[k].what, strerror(errno));
		}
		MOAT_AUTO(close) int fd = kinds[k].fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return moat_error_set(err, errno, "opening BPF %s %u: %s", kinds[k].what, id,
					      strerror(errno));
		}
		struct moat_kobj *o = inv_push(b);
		if (!o)
			return moat_error_set(err, ENOMEM, "out of memory");
		o->kind = kinds[k].kind;
		o->id = id;
		int r = o->kind == MOAT_KOBJ_PROG ? describe_prog(fd, o)
			: o->kind == MOAT_KOBJ_MAP ? describe_map(fd, o)
						   : describe_link(fd, o, vmlinux);
		if (r < 0) {
			free(o->ksyms); /* gone meanwhile, or not describable: leave it out */
			b->inv->n--;
		}
	}
}

static struct moat_kobj *find_obj(struct moat_kinv *inv, enum moat_kobj_kind kind, uint32_t id)
{
	for (size_t i = 0; i < inv->n; i++)
		if (inv->objs[i].kind == kind && inv->objs[i].id == id)
			return &inv->objs[i];
	return NULL;
}

/* Records pid's fd as a holder of the object its fdinfo names. */
static void note_owner(struct moat_kinv *inv, int pid, const char *fdname, const char *comm)
{
	char path[320], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fdname);
	MOAT_AUTO(close) int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = 0;
	static const struct { const char *key; enum moat_kobj_kind kind; } keys[] = {
		/* a link's fdinfo also names its prog_id: look for link_id first */
		{ "\nlink_id:", MOAT_KOBJ_LINK }, { "\nmap_id:", MOAT_KOBJ_MAP }, { "\nprog_id:", MOAT_KOBJ_PROG },
	};
	for (size_t i = 0; i < MOAT_ARRAY_SIZE(keys); i++) {
		const char *k = strstr(buf, keys[i].key);
		if (!k)
			continue;
		struct moat_kobj *o = find_obj(inv, keys[i].kind, (uint32_t)strtoul(k + strlen(keys[i].key), NULL, 10));
		if (!o)
			continue;
		if (o->nowners < MOAT_KOBJ_MAX_OWNERS) {
			struct moat_kobj_owner *w = &o->owners[o->nowners++];
			w->pid = pid;
			w->fd = atoi(fdname);
			snprintf(w->comm, sizeof(w->comm), "%.15s", comm);
		}
		o->all_owners++;
		return; /* the process holds the link; the link holds the program */
	}
}

static void read_comm(int pid, char *comm, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	MOAT_AUTO(fclose) FILE *f = fopen(path, "re");
	if (!f || !fgets(comm, (int)len, f))
		snprintf(comm, len, "?");
	comm[strcspn(comm, "\n")] = 0;
}

/* Walks /proc/PID/fd of every process for BPF objects (anon_inode:bpf-prog, bpf-map, bpf_link). */
static void find_owners(struct moat_kinv *inv)
{
	DIR *procs = opendir("/proc");
	if (!procs)
		return;
	for (struct dirent *p; (p = readdir(procs));) {
		int pid = atoi(p->d_name);
		if (pid <= 0)
			continue;
		char path[128], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		DIR *fds = opendir(path);
		if (!fds)
			continue;
		for (struct dirent *e; (e = readdir(fds));) {
			char link[320], target[64];
			if (e->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "/proc/%d/fd/%s", pid, e->d_name);
			ssize_t n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			if (strncmp(target, "anon_inode:bpf", 14))
				continue;
			if (!*comm) /* only for processes that hold a BPF object */
				read_comm(pid, comm, sizeof(comm));
			note_owner(inv, pid, e->d_name, comm);
		}
		closedir(fds);
	}
	closedir(procs);
}

struct moat_kinv *moat_kinv_collect(struct moat_error *err)
{
	struct inv_builder b = { .inv = calloc(1, sizeof(struct moat_kinv)) };
	if (!b.inv) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	struct btf *vmlinux = NULL; /* only to name tracing targets, loaded when one is seen */
	for (size_t k = 0; k < MOAT_ARRAY_SIZE(kinds); k++) {
		if (collect_kind(&b, k, &vmlinux, err) < 0) {
			btf__free(vmlinux);
			moat_kinv_free(b.inv);
			return NULL;
		}
	}
	btf__free(vmlinux);
	find_owners(b.inv);
	return b.inv;
}

void moat_kinv_free(struct moat_kinv *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n; i++)
		free(inv->objs[i].ksyms);
	free(inv->objs);
	free(inv);
}

/* ---- the kernel's task list through a BPF task iterator ---- */

/* Byte offset of member m in BTF type id, looking inside anonymous unions and structs; -1 if absent. */
static int btf_find_member(const struct btf *btf, uint32_t id, const char *m, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || depth > 4 || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	const struct btf_member *mm = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, mm[i].name_off);
		int base = (int)(btf_member_bit_offset(t, i) / 8);
		if (name && !strcmp(name, m))
			return base;
		if (!name || !*name) {
			int inner = btf_find_member(btf, mm[i].type, m, depth + 1);
			if (inner >= 0)
				return base + inner;
		}
	}
	return -1;
}

/* Byte offset of member m of struct st in BTF, or -1. */
static int btf_member_off(const struct btf *btf, const char *st, const char *m)
{
	int id = btf__find_by_name_kind(btf, st, BTF_KIND_STRUCT);
	return id < 0 ? -1 : btf_find_member(btf, (uint32_t)id, m, 0);
}

/*
 * The iterator program, for each task (ctx->task, NULL at the end):
 *     if (task && task->pid == task->tgid) seq_write(meta->seq, &task->tgid, 4);
 * Thread-group leaders only, as /proc's directory lists them.  Field
 * offsets come from BTF, so no compiler and no CO-RE are needed.  It is
 * built with moat's builder but verified by the kernel alone: ctx->task is
 * a BTF-typed pointer (PTR_TO_BTF_ID_OR_NULL) and moat's verifier has no
 * program type whose context holds one, so moat_kernel_load() cannot take
 * it.  The builder's type is a placeholder (a context of pointers).
 */
static struct moat_prog *task_iter_prog(int meta_off, int task_off, int seq_off, int pid_off,
					int tgid_off, struct moat_error *err)
{
	struct moat_builder *b = moat_builder_new(MOAT_PROG_RAW_TRACEPOINT);
	if (!b) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	moat_label done = moat_builder_label(b);
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_DW, MOAT_R6, MOAT_R1, (int16_t)meta_off));
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_DW, MOAT_R7, MOAT_R1, (int16_t)task_off));
	moat_builder_jmp_imm(b, MOAT_JEQ, MOAT_R7, 0, done);
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_W, MOAT_R2, MOAT_R7, (int16_t)pid_off));
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_W, MOAT_R3, MOAT_R7, (int16_t)tgid_off));
	moat_builder_jmp_reg(b, MOAT_JNE, MOAT_R2, MOAT_R3, done); /* a thread, not a leader */
	moat_builder_emit(b, MOAT_STX_MEM(MOAT_W, MOAT_R10, MOAT_R3, -8));
	moat_builder_emit(b, MOAT_LDX_MEM(MOAT_DW, MOAT_R1, MOAT_R6, (int16_t)seq_off));
	moat_builder_emit(b, MOAT_MOV64_REG(MOAT_R2, MOAT_R10));
	moat_builder_emit(b, MOAT_ALU64_IMM(MOAT_ADD, MOAT_R2, -8));
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R3, 4));
	moat_builder_emit(b, MOAT_CALL_INSN(BPF_FUNC_seq_write));
	moat_builder_bind(b, done);
	moat_builder_emit(b, MOAT_MOV64_IMM(MOAT_R0, 0));
	moat_builder_emit(b, MOAT_EXIT_INSN());
	struct moat_prog *p = moat_builder_finish(b, "moat_audit_task", err);
	moat_builder_free(b);
	return p;
}

/* Loads the iterator program; returns its fd or a negative errno with err set. */
static int load_task_iter(struct moat_error *err)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		return moat_error_set(err, errno ? errno : ENOENT,
				      "no kernel BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno ? errno : ENOENT));
	int meta = btf_member_off(btf, "bpf_iter__task", "meta");
	int task = btf_member_off(btf, "bpf_iter__task", "task");
	int seq = btf_member_off(btf, "bpf_iter_meta", "seq");
	int pid = btf_member_off(btf, "task_struct", "pid");
	int tgid = btf_member_off(btf, "task_struct", "tgid");
	int target = btf__find_by_name_kind(btf, "bpf_iter_task", BTF_KIND_FUNC);
	btf__free(btf);
	if (meta < 0 || task < 0 || seq < 0 || pid < 0 || tgid < 0 || target < 0 || pid > 32767 ||
	    tgid > 32767)
		return moat_error_set(err, EOPNOTSUPP, "the kernel's BTF has no task iterator "
				      "(bpf_iter_task, bpf_iter__task, task_struct.pid/tgid)");
	struct moat_prog *p = task_iter_prog(meta, task, seq, pid, tgid, err);
	if (!p)
		return -ENOMEM;
	size_t n;
	const struct moat_insn *insns = moat_prog_insns(p, &n);
	char log[8192] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_ITER,
		    .attach_btf_id = (uint32_t)target);
	_Static_assert(sizeof(struct moat_insn) == sizeof(struct bpf_insn), "same encoding");
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "moat_audit_task", "GPL",
			       (const struct bpf_insn *)insns, n, &o);
	int e = errno;
	if (fd < 0 && e != EPERM) { /* again, for the kernel verifier's explanation */
		o.log_buf = log;
		o.log_size = sizeof(log);
		o.log_level = 1;
		int again = bpf_prog_load(BPF_PROG_TYPE_TRACING, "moat_audit_task", "GPL",
					  (const struct bpf_insn *)insns, n, &o);
		if (again >= 0) { /* accepted the second time: report the first refusal only */
			close(again);
			log[0] = 0;
		}
	}
	moat_prog_free(p);
	if (fd < 0)
		return moat_error_set(err, e, "the kernel refused the task iterator: %s%s%s", strerror(e),
				      *log ? ": " : "", log);
	return fd;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Reads the iterator's output: one 4-byte tgid per thread-group leader. */
static int read_tgids(int iter, int **out, size_t *n, struct moat_error *err)
{
	size_t cap = 1024, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return moat_error_set(err, ENOMEM, "out of memory");
		if (len == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
			continue;
		}
		ssize_t r = read(iter, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return moat_error_set(err, e, "reading the task iterator: %s", strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*n = len / sizeof(int);
	*out = (int *)(void *)buf;
	qsort(*out, *n, sizeof(int), cmp_int);
	return 0;
}

int moat_ktasks_list(int **tgids, size_t *n, struct moat_error *err)
{
	*tgids = NULL;
	*n = 0;
	MOAT_AUTO(close) int prog = load_task_iter(err);
	if (prog < 0)
		return prog;
	MOAT_AUTO(close) int link = bpf_link_create(prog, 0, BPF_TRACE_ITER, NULL);
	if (link < 0)
		return moat_error_set(err, errno, "attaching the task iterator: %s", strerror(errno));
	MOAT_AUTO(close) int iter = bpf_iter_create(link);
	if (iter < 0)
		return moat_error_set(err, errno, "creating the task iterator: %s", strerror(errno));
	return read_tgids(iter, tgids, n, err);
}
