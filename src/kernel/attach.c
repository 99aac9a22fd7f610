/*
 * Attaching loaded tracing programs to the kernel's hooks through libbpf's
 * low-level API.  Each attachment is one fd; closing it detaches.
 *
 *   tp_btf      bpf_link_create(prog, 0, BPF_TRACE_RAW_TP): the program was
 *               loaded with the hook's BTF id, so the link needs no name
 *   raw_tp      bpf_raw_tracepoint_open(name, prog)
 *   tracepoint  perf_event_open(PERF_TYPE_TRACEPOINT, id from tracefs) with
 *               pid -1 on CPU 0, then PERF_EVENT_IOC_SET_BPF.  One event is
 *               enough: the program hangs off the tracepoint itself and runs
 *               on every CPU (this is what libbpf does too).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <moat/kernel_attach.h>

#include "kernel/attach_internal.h"

static const char *const kind_names[MOAT_HOOK_KIND_COUNT] = {
	[MOAT_HOOK_TP_BTF] = "tp_btf",
	[MOAT_HOOK_RAW_TP] = "raw_tp",
	[MOAT_HOOK_TRACEPOINT] = "tracepoint",
};

const char *moat_hook_kind_name(enum moat_hook_kind kind)
{
	return kind < MOAT_HOOK_KIND_COUNT ? kind_names[kind] : "?";
}

/* The sentence for a failed attach: what the errno means here. */
static int attach_fail(struct moat_error *err, int e, enum moat_hook_kind kind, const char *name)
{
	const char *why = e == EPERM || e == EACCES
				  ? "moat needs root (CAP_BPF and CAP_PERFMON) to attach tracing programs"
			  : e == ENOENT ? "this kernel has no such hook"
					: strerror(e);
	return moat_error_set(err, e, "cannot attach to %s hook '%s': %s", moat_hook_kind_name(kind),
			      name, why);
}

/* Opens tracefs's `file` of "category:name" under one mount point. */
static FILE *open_tp_file(const char *root, const char *cat, size_t catlen, const char *ev,
			  const char *file)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/events/%.*s/%s/%s", root, (int)catlen, cat, ev, file);
	return fopen(path, "re");
}

static int read_tp_id(const char *root, const char *cat, size_t catlen, const char *ev)
{
	FILE *f = open_tp_file(root, cat, catlen, ev, "id");
	if (!f)
		return -errno;
	int id = -EINVAL;
	if (fscanf(f, "%d", &id) != 1)
		id = -EINVAL;
	fclose(f);
	return id;
}

int moat_tracepoint_id(const char *category_name, struct moat_error *err)
{
	const char *colon = strchr(category_name, ':');
	if (!colon || colon == category_name || !colon[1] || strchr(colon + 1, '/') ||
	    memchr(category_name, '/', (size_t)(colon - category_name)))
		return moat_error_set(err, EINVAL, "'%s' is not a tracepoint name (category:event)",
				      category_name);
	size_t catlen = (size_t)(colon - category_name);
	int id = read_tp_id("/sys/kernel/tracing", category_name, catlen, colon + 1);
	if (id < 0)
		id = read_tp_id("/sys/kernel/debug/tracing", category_name, catlen, colon + 1);
	if (id >= 0)
		return id;
	if (access("/sys/kernel/tracing/events", F_OK) && access("/sys/kernel/debug/tracing/events", F_OK))
		return moat_error_set(err, ENOENT, "tracefs is not mounted (mount -t tracefs "
				      "tracefs /sys/kernel/tracing), so tracepoint ids are unknown");
	return moat_error_set(err, ENOENT, "the kernel has no tracepoint '%s'", category_name);
}

/* Finds "field:TYPE NAME;\toffset:N;" in a tracepoint format file. */
int kernel_tp_format_offset(FILE *f, const char *field, uint32_t *off)
{
	char line[512];
	size_t flen = strlen(field);
	while (fgets(line, sizeof(line), f)) {
		char *semi = strchr(line, ';'), *o = strstr(line, "offset:");
		if (!strstr(line, "field:") || !semi || !o || (size_t)(semi - line) < flen)
			continue;
		char *name = semi - flen;
		if (strncmp(name, field, flen) || (name > line && name[-1] != ' ' && name[-1] != '*'))
			continue;
		char *end;
		unsigned long v = strtoul(o + 7, &end, 10);
		if (end == o + 7 || v > UINT16_MAX)
			continue;
		*off = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}

int moat_tracepoint_field_offset(const char *category_name, const char *field, uint32_t *off,
				 struct moat_error *err)
{
	int r = moat_tracepoint_id(category_name, err);
	if (r < 0)
		return r;
	const char *colon = strchr(category_name, ':');
	size_t catlen = (size_t)(colon - category_name);
	FILE *f = open_tp_file("/sys/kernel/tracing", category_name, catlen, colon + 1, "format");
	if (!f)
		f = open_tp_file("/sys/kernel/debug/tracing", category_name, catlen, colon + 1,
				 "format");
	if (!f)
		return moat_error_set(err, errno, "cannot read the format of tracepoint '%s': %s",
				      category_name, strerror(errno));
	r = kernel_tp_format_offset(f, field, off);
	fclose(f);
	if (r < 0)
		return moat_error_set(err, ENOENT, "tracepoint '%s' has no field '%s'", category_name,
				      field);
	return 0;
}

static int attach_tracepoint(int prog_fd, const char *name, struct moat_error *err)
{
	int id = moat_tracepoint_id(name, err);
	if (id < 0)
		return id;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = (uint64_t)id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return attach_fail(err, errno, MOAT_HOOK_TRACEPOINT, name);
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0 || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		int e = errno;
		close(fd);
		return attach_fail(err, e, MOAT_HOOK_TRACEPOINT, name);
	}
	return fd;
}

int moat_attach_hook(enum moat_hook_kind kind, int prog_fd, const char *name,
		     struct moat_error *err)
{
	int fd = -EINVAL;
	switch (kind) {
	case MOAT_HOOK_TP_BTF:
		fd = bpf_link_create(prog_fd, 0, BPF_TRACE_RAW_TP, NULL);
		break;
	case MOAT_HOOK_RAW_TP:
		fd = bpf_raw_tracepoint_open(name, prog_fd);
		break;
	case MOAT_HOOK_TRACEPOINT:
		return attach_tracepoint(prog_fd, name, err);
	case MOAT_HOOK_KIND_COUNT:
		return moat_error_set(err, EINVAL, "unknown hook kind");
	}
	if (fd < 0)
		return attach_fail(err, -fd, kind, name);
	return fd;
}

/* Walks one id space of bpf(2) and counts its entries. */
static int count_ids(int (*next)(uint32_t, uint32_t *), uint32_t *n)
{
	uint32_t id = 0;
	*n = 0;
	while (next(id, &id) == 0)
		(*n)++;
	return errno == ENOENT ? 0 : -errno;
}

int moat_kernel_count_objects(uint32_t *progs, uint32_t *links, struct moat_error *err)
{
	if (count_ids(bpf_prog_get_next_id, progs) < 0 || count_ids(bpf_link_get_next_id, links) < 0)
		return moat_error_set(err, errno, "cannot list the kernel's BPF objects: %s",
				      strerror(errno));
	return 0;
}
