/* Program files for the `moat bpf` commands: ELF objects, assembly, raw bytecode. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bpf_load.h"
#include "cli/cli.h"
#include "util/cleanup.h"

bool cli_is_elf(const char *data, size_t len)
{
	return len >= 4 && !memcmp(data, "\x7f" "ELF", 4);
}

static int load_elf(const char *path, const char *section, const enum moat_prog_type *type,
		    struct cli_prog *out, struct moat_error *err)
{
	out->obj = moat_obj_open(path, err);
	if (!out->obj)
		return -1;
	if (section)
		out->prog = moat_obj_find_prog(out->obj, section);
	else if (moat_obj_prog_count(out->obj))
		out->prog = moat_obj_prog(out->obj, 0);
	if (!out->prog) {
		int r = section ? moat_error_set(err, ENOENT, "%s: no program named '%s'", path, section)
				: moat_error_set(err, ENOENT, "%s: the object holds no program", path);
		cli_prog_release(out);
		return r;
	}
	if (type)
		moat_prog_set_type(out->prog, *type);
	return 0;
}

int cli_bpf_load(const char *path, const char *section, const enum moat_prog_type *type,
		 struct cli_prog *out, struct moat_error *err)
{
	*out = (struct cli_prog){ 0 };
	size_t len;
	MOAT_AUTO(free) char *buf = cli_read_file(path, &len, err);
	if (!buf)
		return -1;
	if (cli_is_elf(buf, len))
		return load_elf(path, section, type, out, err);
	if (section)
		return moat_error_set(err, EINVAL, "%s: --section applies to ELF objects only", path);
	enum moat_prog_type t = type ? *type : MOAT_PROG_MEM;
	size_t pl = strlen(path);
	if (pl > 2 && !strcmp(path + pl - 2, ".s")) {
		out->prog = moat_asm_prog(buf, len, path, t, err); /* creates its .map maps */
	} else if (len % sizeof(struct moat_insn)) {
		return moat_error_set(err, EINVAL, "%s: %zu bytes is not a whole number of instructions",
				      path, len);
	} else {
		out->prog = moat_prog_new(t, (const struct moat_insn *)(void *)buf,
					  len / sizeof(struct moat_insn), err);
	}
	return out->prog ? 0 : -1;
}

void cli_prog_release(struct cli_prog *p)
{
	if (p->obj)
		moat_obj_free(p->obj); /* owns p->prog */
	else
		moat_prog_free(p->prog);
	*p = (struct cli_prog){ 0 };
}

int cli_prog_option(const struct cli_cmd *cmd, int c, const char *arg, struct cli_prog_opts *o)
{
	struct moat_error err;
	switch (c) {
	case CLI_OPT_SECTION:
		o->section = arg;
		return 1;
	case CLI_OPT_TYPE:
		if (moat_prog_type_parse(arg, &o->type, &err) < 0) {
			cli_usage(cmd, "%s", err.msg);
			return -1;
		}
		o->type_set = true;
		return 1;
	default:
		return 0;
	}
}

int cli_bpf_load_opts(const char *path, const struct cli_prog_opts *o, struct cli_prog *out,
		      struct moat_error *err)
{
	return cli_bpf_load(path, o->section, o->type_set ? &o->type : NULL, out, err);
}
