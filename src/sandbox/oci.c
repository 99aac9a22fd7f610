/*
 * OCI bundles: the subset of config.json that maps onto a moat container,
 * so `moat run --bundle DIR ID` works where an OCI runtime's `run` is
 * expected (bench/sandbox times it so against crun and runc).
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox_internal.h"

struct moat_oci_bundle {
	json_object *root;
	char *rootfs;
	char **argv;
	const char **env;
};

void moat_oci_free(struct moat_oci_bundle *b)
{
	if (!b)
		return;
	json_object_put(b->root);
	free(b->rootfs);
	free(b->argv);
	free(b->env);
	free(b);
}

/* The member at a dotted path ("process.user.uid"), or NULL. */
static json_object *at(json_object *o, const char *path)
{
	char key[64];
	while (o && *path) {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

/* A NULL-terminated array of the strings of a JSON array (borrowed). */
static const char **strings(json_object *arr, size_t *n)
{
	size_t len = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	const char **v = calloc(len + 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; v && i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (json_object_is_type(e, json_type_string))
			v[(*n)++] = json_object_get_string(e);
	}
	return v;
}

static void read_process(struct moat_oci_bundle *b, json_object *p, struct moat_sandbox_spec *s)
{
	json_object *v;
	if ((v = at(p, "cwd")))
		s->workdir = json_object_get_string(v);
	if ((v = at(p, "user.uid")))
		s->uid = (uid_t)json_object_get_int64(v);
	if ((v = at(p, "user.gid")))
		s->gid = (gid_t)json_object_get_int64(v);
	if ((v = at(p, "terminal")))
		s->tty = json_object_get_boolean(v);
	b->env = strings(at(p, "env"), &s->n_env);
	s->env = b->env;
	if ((v = at(p, "capabilities.bounding"))) {
		size_t n;
		const char **caps = strings(v, &n);
		s->caps = 0;
		for (size_t i = 0; caps && i < n; i++) {
			int c = moat_cap_parse(caps[i], false, NULL);
			if (c >= 0)
				s->caps |= 1ULL << c;
		}
		free(caps);
	}
}

struct moat_oci_bundle *moat_oci_load(const char *dir, struct moat_sandbox_spec *s,
				      struct moat_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	struct moat_oci_bundle *b = calloc(1, sizeof(*b));
	if (!b) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	b->root = json_object_from_file(path);
	if (!b->root) {
		moat_error_at(err, EINVAL, path, 0, 0, "cannot read the OCI configuration: %s",
			      json_util_get_last_err() ? json_util_get_last_err() : "bad JSON");
		goto fail;
	}
	json_object *v = at(b->root, "root.path");
	size_t n;
	b->argv = (char **)strings(at(b->root, "process.args"), &n);
	if (!v || !b->argv || !n) {
		moat_error_at(err, EINVAL, path, 0, 0, "OCI configuration without %s",
			      !v ? "root.path" : "process.args");
		goto fail;
	}
	const char *r = json_object_get_string(v);
	if (r[0] == '/')
		b->rootfs = strdup(r);
	else if (asprintf(&b->rootfs, "%s/%s", dir, r) < 0)
		b->rootfs = NULL;
	s->rootfs = b->rootfs;
	s->argv = b->argv;
	if ((v = at(b->root, "root.readonly")))
		s->read_only = json_object_get_boolean(v);
	if ((v = at(b->root, "hostname")))
		s->hostname = json_object_get_string(v);
	if ((v = at(b->root, "linux.resources.memory.limit")) && json_object_get_int64(v) > 0)
		s->memory = (uint64_t)json_object_get_int64(v);
	if ((v = at(b->root, "linux.resources.pids.limit")) && json_object_get_int64(v) > 0)
		s->pids = (uint64_t)json_object_get_int64(v);
	/* as OCI runtimes do, no linux.seccomp means no filter; a present one
	 * gets moat's default (the file's own rules are not translated) */
	if (!at(b->root, "linux.seccomp"))
		s->seccomp = MOAT_SECCOMP_UNCONFINED;
	read_process(b, at(b->root, "process"), s);
	return b;
fail:
	moat_oci_free(b);
	return NULL;
}
