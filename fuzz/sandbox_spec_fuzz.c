/*
 * The sandbox's parsers: command-line words (sizes, volumes, users, CPUs,
 * capabilities, devices, ulimits) and OCI config.json files.  The first byte
 * picks the parser; the rest is the input.  None may crash, read past the
 * word, or accept a value it then reports inconsistently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat/moat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The OCI loader reads DIR/config.json: one scratch directory per process,
 * removed at exit. */
static char dir[64];

static void remove_scratch(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
}

static const char *scratch(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/moat-oci-fuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_scratch);
	}
	return dir;
}

static void oci(const uint8_t *data, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", scratch());
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
	struct moat_sandbox_spec s;
	moat_sandbox_spec_init(&s);
	struct moat_error err;
	struct moat_oci_bundle *b = moat_oci_load(scratch(), &s, &err);
	if (b && (!s.argv || !s.argv[0] || !s.rootfs))
		abort(); /* a loaded bundle always has a command and a root */
	moat_oci_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	if (data[0] % 8 == 7) {
		oci(data + 1, size - 1);
		return 0;
	}
	char *w = malloc(size);
	if (!w)
		return 0;
	memcpy(w, data + 1, size - 1);
	w[size - 1] = '\0';
	struct moat_error err;
	uint64_t v;
	uid_t u;
	gid_t g;
	struct moat_volume vol;
	struct moat_device_rule dev;
	struct moat_rlimit_req rl;
	switch (data[0] % 8) {
	case 0:
		if (moat_size_parse(w, &v, &err) == 0 && v == 0)
			abort();
		break;
	case 1:
		if (moat_volume_parse(w, &vol, &err) == 0 && (vol.src[0] != '/' || vol.dst[0] != '/'))
			abort();
		break;
	case 2:
		moat_user_parse(w, &u, &g, &err);
		break;
	case 3:
		if (moat_cpus_parse(w, &v, &err) == 0 && (v < 10 || v > 4096000))
			abort();
		break;
	case 4: {
		int c = moat_cap_parse(w, true, &err);
		if (c >= 0 && !moat_cap_name(c))
			abort();
		break;
	}
	case 5:
		if (!strncmp(w, "/dev/", 5) && !strstr(w, ".."))
			moat_device_parse(w, &dev, &err);
		break;
	default:
		if (moat_rlimit_parse(w, &rl, &err) == 0 && rl.soft > rl.hard)
			abort();
		break;
	}
	free(w);
	return 0;
}
