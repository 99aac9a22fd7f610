/*
 * Reading /proc and /sys under the audited root, and the kernel
 * configuration.  Every read is bounded (procfs and sysfs files are small;
 * kallsyms and config are the large ones, a few MiB at most).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "audit/audit_internal.h"
#include "util/cleanup.h"
#include "util/sbuf.h"

#define READ_MAX (64u << 20) /* kallsyms on a large kernel is ~15 MiB */

const char *audit_path(const struct audit_ctx *c, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->root, rel);
	return buf;
}

static void trim(char *s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)s[*n - 1]))
		s[--*n] = 0;
}

int audit_read(const struct audit_ctx *c, const char *rel, char **out)
{
	char path[4096];
	*out = NULL;
	MOAT_AUTO(close) int fd = open(audit_path(c, rel, path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct sbuf b = { 0 };
	char chunk[8192];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			sbuf_release(&b);
			return -e;
		}
		if (r == 0 || b.len + (size_t)r > READ_MAX)
			break;
		sbuf_put(&b, chunk, (size_t)r);
	}
	if (b.oom) {
		sbuf_release(&b);
		return -ENOMEM;
	}
	char *s = sbuf_take(&b);
	if (!s)
		return -ENOMEM;
	size_t n = strlen(s); /* a NUL inside (some sysfs files) ends the text */
	trim(s, &n);
	*out = s;
	return 0;
}

int audit_read_long(const struct audit_ctx *c, const char *rel, long *v)
{
	MOAT_AUTO(free) char *s = NULL;
	int r = audit_read(c, rel, &s);
	if (r < 0)
		return r;
	char *end;
	errno = 0;
	long x = strtol(s, &end, 10);
	if (end == s || *end || errno)
		return -EINVAL;
	*v = x;
	return 0;
}

bool audit_exists(const struct audit_ctx *c, const char *rel)
{
	char path[4096];
	return access(audit_path(c, rel, path, sizeof(path)), F_OK) == 0;
}

const char *audit_read_error(int r, char *buf, size_t len)
{
	if (r == -ENOENT)
		snprintf(buf, len, "absent");
	else if (r == -EINVAL)
		snprintf(buf, len, "malformed value");
	else
		snprintf(buf, len, "unreadable: %s", strerror(-r));
	return buf;
}

char audit_config_lookup(const char *config, const char *option)
{
	size_t ol = strlen(option);
	for (const char *p = config; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 7 + ol && !strncmp(p, "CONFIG_", 7) && !strncmp(p + 7, option, ol) &&
		    p[7 + ol] == '=')
			return p[8 + ol] == 'y' || p[8 + ol] == 'm' ? p[8 + ol] : 'n';
		p = nl ? nl + 1 : p + len;
	}
	return 'n';
}

/* Reads a gzip or plain-text file under the root (zlib reads both). */
static char *load_gz(const struct audit_ctx *c, const char *rel)
{
	char path[4096];
	gzFile gz = gzopen(audit_path(c, rel, path, sizeof(path)), "rb");
	if (!gz)
		return NULL;
	struct sbuf b = { 0 };
	char chunk[16384];
	int r;
	while ((r = gzread(gz, chunk, sizeof(chunk))) > 0 && b.len < READ_MAX)
		sbuf_put(&b, chunk, (size_t)r);
	gzclose(gz);
	if (r < 0 || b.oom || !b.len) {
		sbuf_release(&b);
		return NULL;
	}
	return sbuf_take(&b);
}

/* proc/config.gz, else the distribution's boot/config-RELEASE. */
static char *load_config(const struct audit_ctx *c)
{
	char *cfg = load_gz(c, "proc/config.gz");
	if (cfg)
		return cfg;
	char *rel = NULL, boot[300];
	if (audit_read(c, "proc/sys/kernel/osrelease", &rel) < 0)
		return NULL;
	snprintf(boot, sizeof(boot), "boot/config-%s", rel);
	free(rel);
	return strchr(boot, '/') == strrchr(boot, '/') ? load_gz(c, boot) : NULL;
}

bool audit_config_available(struct audit_ctx *c)
{
	return audit_config(c, "MODULES") != 0;
}

char audit_config(struct audit_ctx *c, const char *option)
{
	if (!c->config_loaded) {
		c->config = load_config(c);
		c->config_loaded = true;
	}
	return c->config ? audit_config_lookup(c->config, option) : 0;
}
