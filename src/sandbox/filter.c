/*
 * The container's seccomp filter: the profile (Docker's default built into
 * libmoat, or a file in moat's text format or Docker/OCI JSON) is parsed for
 * the container's capabilities (so --cap-add sys_admin allows mount, as in
 * Docker) and compiled by compile/seccomp before anything of the container exists,
 * so a broken profile fails the run cleanly; the command's process installs
 * the verified program as its last step before execve.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/seccomp.h>

#include "sandbox/sandbox_internal.h"

/* The kept capabilities as the JSON parser's "caps" option spells them. */
static void caps_list(uint64_t caps, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int c = 0; c < 64; c++)
		if ((caps >> c) & 1 && moat_cap_name(c) && n + 32 < len) {
			n += (size_t)snprintf(buf + n, len - n, "%sCAP_", n ? "," : "");
			for (const char *p = moat_cap_name(c); *p; p++)
				buf[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
			buf[n] = '\0';
		}
	if (!buf[0])
		snprintf(buf, len, "none");
}

int sbx_filter_prepare(const struct moat_sandbox_spec *spec, struct moat_cbpf_insn **insns,
		       size_t *n, struct moat_error *err)
{
	*insns = NULL;
	*n = 0;
	if (spec->seccomp == MOAT_SECCOMP_UNCONFINED)
		return 0;
	char caps[1024];
	caps_list(spec->caps, caps, sizeof(caps));
	MOAT_OPTS(moat_seccomp_parse_opts, o, .caps = caps);
	struct moat_seccomp_policy *pol = spec->seccomp == MOAT_SECCOMP_FILE
						  ? moat_seccomp_load(spec->seccomp_file, &o, err)
						  : moat_seccomp_builtin(&o, err);
	if (!pol)
		return -1;
	int r = moat_seccomp_compile(pol, NULL, insns, n, NULL, err);
	moat_seccomp_policy_free(pol);
	return r;
}

int sbx_filter_install(const struct moat_cbpf_insn *insns, size_t n, struct moat_error *err)
{
	if (!insns)
		return 0;
	int r = moat_seccomp_install(insns, n, 0, err);
	if (r < 0)
		moat_error_prefix(err, "installing the seccomp filter");
	return r;
}
