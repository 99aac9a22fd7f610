/* Addresses of the rule language: parsing, printing, containment, table files. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/fw/fw_internal.h"

static void mask_prefix(struct fw_prefix *p)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = p->plen > i * 8 ? p->plen - i * 8 : 0;
		if (keep < 8)
			p->a[i] &= (uint8_t)(0xff00u >> keep);
	}
}

bool fw_prefix_parse(const char *s, struct fw_prefix *p)
{
	char buf[64];
	size_t n = strlen(s);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	char *slash = strchr(buf, '/');
	long plen = -1;
	if (slash) {
		*slash = 0;
		char *e;
		if (!slash[1] || slash[1] == '-' || slash[1] == '+')
			return false;
		plen = strtol(slash + 1, &e, 10);
		if (*e || plen < 0)
			return false;
	}
	memset(p, 0, sizeof(*p));
	struct in_addr a4;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		if (plen > 32)
			return false;
		p->a[10] = p->a[11] = 0xff;
		memcpy(p->a + 12, &a4, 4);
		p->plen = (uint8_t)(96 + (plen < 0 ? 32 : plen));
	} else if (inet_pton(AF_INET6, buf, p->a) == 1) {
		if (plen > 128)
			return false;
		p->plen = (uint8_t)(plen < 0 ? 128 : plen);
	} else {
		return false;
	}
	mask_prefix(p);
	return true;
}

static bool is_v4(const struct fw_prefix *p)
{
	static const uint8_t m[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return p->plen >= 96 && !memcmp(p->a, m, 12);
}

void fw_prefix_print(const struct fw_prefix *p, struct sbuf *b)
{
	char buf[INET6_ADDRSTRLEN];
	if (is_v4(p)) {
		inet_ntop(AF_INET, p->a + 12, buf, sizeof(buf));
		sbuf_printf(b, "%s", buf);
		if (p->plen != 128)
			sbuf_printf(b, "/%u", p->plen - 96);
		return;
	}
	inet_ntop(AF_INET6, p->a, buf, sizeof(buf));
	sbuf_printf(b, "%s", buf);
	if (p->plen != 128)
		sbuf_printf(b, "/%u", p->plen);
}

bool fw_prefix_contains(const struct fw_prefix *p, const struct fw_prefix *q)
{
	if (p->plen > q->plen)
		return false;
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = p->plen > i * 8 ? p->plen - i * 8 : 0;
		if (keep == 0)
			break;
		uint8_t m = keep >= 8 ? 0xff : (uint8_t)(0xff00u >> keep);
		if ((p->a[i] ^ q->a[i]) & m)
			return false;
	}
	return true;
}

int fw_table_read_file(struct fw_table *t, const char *path, const char *file, int line, int col,
		       struct moat_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return moat_error_at(err, errno, file, line, col, "table <%s>: cannot read '%s': %s",
				     t->name, path, strerror(errno));
	char buf[256];
	int ln = 0, r = 0;
	while (r == 0 && fgets(buf, sizeof(buf), f)) {
		ln++;
		char *h = strchr(buf, '#');
		if (h)
			*h = 0;
		char *w = strtok(buf, " \t\r\n");
		while (w && r == 0) {
			struct fw_prefix p;
			if (!fw_prefix_parse(w, &p))
				r = moat_error_at(err, EINVAL, path, ln, (int)(w - buf) + 1,
						  "expected an address, got '%s'", w);
			else if (vec_push(&t->pfx, p) < 0)
				r = moat_error_set(err, ENOMEM, "out of memory");
			w = strtok(NULL, " \t\r\n");
		}
	}
	fclose(f);
	return r;
}

int moat_fw_table_key(const char *addr, void *key, struct moat_error *err)
{
	struct fw_prefix p;
	if (!fw_prefix_parse(addr, &p))
		return moat_error_set(err, EINVAL, "'%s' is not an address or prefix", addr);
	uint32_t plen = p.plen;
	memcpy(key, &plen, 4);
	memcpy((uint8_t *)key + 4, p.a, 16);
	return 0;
}

const char *moat_fw_table_key_str(const void *key, char *buf, size_t len)
{
	struct fw_prefix p;
	uint32_t plen;
	memcpy(&plen, key, 4);
	memcpy(p.a, (const uint8_t *)key + 4, 16);
	p.plen = (uint8_t)(plen > 128 ? 128 : plen);
	struct sbuf b = { 0 };
	fw_prefix_print(&p, &b);
	snprintf(buf, len, "%s", b.s ? b.s : "?");
	sbuf_release(&b);
	return buf;
}
