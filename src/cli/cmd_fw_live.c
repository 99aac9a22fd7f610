/*
 * moat fw load / unload: enforcing a rule file in the kernel.
 *
 * A loaded firewall is, for interface DEV:
 *   /sys/fs/bpf/moat/fw/DEV/link_in      XDP or tcx-ingress link (pinned, so it outlives moat)
 *   /sys/fs/bpf/moat/fw/DEV/link_out     tcx-egress link, when outgoing traffic has rules
 *   /sys/fs/bpf/moat/fw/DEV/counters_in, counters_out, state, t_NAME   the maps
 *   /sys/fs/bpf/moat/fw/DEV/log          the ring buffer of `log` rules (when some rule logs)
 *   /run/moat/fw/DEV.conf                the rules in canonical form (for fw show)
 * A reload builds and fills everything new first, then swaps each link's
 * program with one bpf_link_update (no packet sees no program), reusing
 * the connection-state map so established connections survive.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <moat/kernel_netdev.h>

#include "cli/fw_cli.h"
#include "util/cleanup.h"

const char cmd_fw_load_usage[] =
	"usage: moat fw load RULES --dev IFACE [--xdp | --tc]\n"
	"\n"
	"Compile RULES, verify the programs with moat's verifier, load them into the\n"
	"kernel (which verifies them again; a refusal is shown with the kernel's\n"
	"reason) and enforce them on IFACE:\n"
	"  incoming packets  at XDP (--xdp, the default: before the kernel allocates\n"
	"                    anything for the packet) or at TC ingress (--tc)\n"
	"  outgoing packets  at TC egress, when some rule applies to them or the\n"
	"                    default for 'out' is block\n"
	"Links, maps and counters are pinned under /sys/fs/bpf/moat/fw/IFACE/ and\n"
	"stay in force after moat exits, until 'moat fw unload'.\n"
	"\n"
	"Loading onto an interface that already has a moat firewall replaces it\n"
	"atomically: the new programs and maps are built completely, then each\n"
	"attachment switches program in one step, and the connection-state table\n"
	"is carried over, so established connections keep flowing.  Counters start\n"
	"from zero; tables are filled again from the rule file.\n"
	"\n"
	"  --dev IFACE   the network interface (required)\n"
	"  --xdp         incoming packets at XDP (default)\n"
	"  --tc          incoming packets at TC ingress\n"
	"\n"
	"Nothing is left half loaded: on any error, what this command created is\n"
	"removed and a firewall that was in force stays in force.\n"
	"\n"
	"Exit status: 0 loaded, 1 error, 2 usage error.\n";

const char cmd_fw_unload_usage[] =
	"usage: moat fw unload [--dev IFACE]\n"
	"\n"
	"Detach the firewall from IFACE (default: from every interface that has one)\n"
	"and remove its pinned programs, maps and saved rules.  Unloading where\n"
	"nothing is loaded is not an error.\n"
	"\n"
	"Exit status: 0 done, 1 error, 2 usage error.\n";

static const struct cli_cmd load_cmd = { "fw load", NULL, cmd_fw_load_usage, NULL, NULL };
static const struct cli_cmd unload_cmd = { "fw unload", NULL, cmd_fw_unload_usage, NULL, NULL };

struct side {
	struct moat_fw_prog *fp;
	struct moat_kprog *kp;
};

static void side_free(struct side *s)
{
	moat_kprog_free(s->kp);
	moat_fw_prog_free(s->fp);
	s->kp = NULL;
	s->fp = NULL;
}

struct shared {
	int state_fd;	      /* reused state map, -1 for a new one */
	int log_fd;	      /* the log ring buffer, shared by both directions and kept over
			       * reloads (a running `fw log` goes on reading it), -1 for a new one */
	bool logs;	      /* some program has it */
	int table_fd[16];     /* per table of the rules, -1 until some side has it */
};

/* Compiles, loads and fills one direction's program. */
static int load_side(const struct moat_fw_rules *rs, enum moat_fw_dir dir, enum moat_fw_hook hook,
		     const char *dev, struct shared *sh, struct side *s, struct moat_error *err)
{
	MOAT_OPTS(moat_fw_compile_opts, co, .hook = hook, .dir = dir, .iface = dev);
	s->fp = moat_fw_compile(rs, &co, err);
	if (!s->fp)
		return -EINVAL;
	struct moat_prog *prog = moat_fw_prog_prog(s->fp);
	size_t n = moat_prog_map_count(prog);
	MOAT_AUTO(free) int *fds = malloc((n + 1) * sizeof(int));
	if (!fds)
		return moat_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	int st = moat_fw_prog_map(s->fp, MOAT_FW_MAP_STATE);
	int lg = moat_fw_prog_map(s->fp, MOAT_FW_MAP_LOG);
	if (st >= 0)
		fds[st] = sh->state_fd;
	if (lg >= 0)
		fds[lg] = sh->log_fd;
	for (size_t t = 0; t < moat_fw_table_count(rs) && t < 16; t++) {
		int idx = moat_fw_prog_table_map(s->fp, moat_fw_table_name(rs, t));
		if (idx >= 0)
			fds[idx] = sh->table_fd[t];
	}
	MOAT_OPTS(moat_kernel_load_opts, lo, .map_fds = fds, .n_map_fds = n);
	s->kp = moat_kernel_load(prog, &lo, err);
	if (!s->kp)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			continue;
		int r = moat_kernel_map_fill(moat_prog_map(prog, i), moat_kprog_map_fd(s->kp, i), err);
		if (r < 0)
			return r;
	}
	if (st >= 0 && sh->state_fd < 0)
		sh->state_fd = moat_kprog_map_fd(s->kp, (size_t)st);
	if (lg >= 0 && sh->log_fd < 0)
		sh->log_fd = moat_kprog_map_fd(s->kp, (size_t)lg);
	sh->logs |= lg >= 0;
	for (size_t t = 0; t < moat_fw_table_count(rs) && t < 16; t++) {
		int idx = moat_fw_prog_table_map(s->fp, moat_fw_table_name(rs, t));
		if (idx >= 0 && sh->table_fd[t] < 0)
			sh->table_fd[t] = moat_kprog_map_fd(s->kp, (size_t)idx);
	}
	return 0;
}

static void pin_path(char *buf, size_t len, const char *dev, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", FW_PIN_ROOT, dev, name);
}

/* Attaches a new link or switches the pinned one; *fresh tells which. */
static int attach_or_replace(const char *dev, const char *name, int ifindex,
			     enum moat_netdev_hook hook, int prog_fd, int *new_link,
			     struct moat_error *err)
{
	char path[512];
	pin_path(path, sizeof(path), dev, name);
	*new_link = -1;
	if (access(path, F_OK) == 0) {
		MOAT_AUTO(close) int link = moat_pin_open(path, err);
		if (link < 0)
			return link;
		return moat_netdev_replace(link, prog_fd, err);
	}
	*new_link = moat_netdev_attach(prog_fd, ifindex, hook, err);
	return *new_link < 0 ? *new_link : 0;
}

/* Removes every pin in DEV's directory whose name is not in keep[]. */
static void prune(const char *dev, const char *const *keep, size_t nkeep)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", FW_PIN_ROOT, dev);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		bool k = false;
		for (size_t i = 0; i < nkeep; i++)
			k |= keep[i] && !strcmp(keep[i], e->d_name);
		if (!k)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

static int write_conf(const char *dev, const char *hook, const struct moat_fw_rules *rs,
		      struct moat_error *err)
{
	char path[512], tmp[520];
	MOAT_AUTO(free) char *text = moat_fw_rules_format(rs);
	if (!text)
		return moat_error_set(err, ENOMEM, "out of memory");
	if (mkdir("/run/moat", 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, errno, "creating /run/moat: %s", strerror(errno));
	if (mkdir(FW_RUN_DIR, 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, errno, "creating %s: %s", FW_RUN_DIR, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.conf", FW_RUN_DIR, dev);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return moat_error_set(err, errno, "writing %s: %s", tmp, strerror(errno));
	fprintf(f, "# moat fw load --dev %s --%s\n%s", dev, hook, text);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return moat_error_set(err, errno, "writing %s: %s", path, strerror(errno));
	}
	return 0;
}

/* The hook a loaded firewall uses ("xdp"/"tc"), from its saved rules; "" when none. */
static void loaded_hook(const char *dev, char *hook, size_t len)
{
	char path[512], line[128];
	snprintf(path, sizeof(path), "%s/%s.conf", FW_RUN_DIR, dev);
	hook[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " --");
		p = p ? strstr(p + 3, " --") : NULL;
		if (p)
			snprintf(hook, len, "%.*s", (int)strcspn(p + 3, "\n"), p + 3);
	}
	fclose(f);
}

struct load_job {
	const char *rules, *dev;
	bool tc;
	int ifindex;
	struct moat_fw_rules *rs;
	struct side in, out;
	struct shared sh;
	int state_pin_fd; /* the reloaded firewall's state map, opened here */
	int log_pin_fd;	  /* and its log ring buffer */
	bool has_out, reload;
};

static int pin_all(struct load_job *j, struct moat_error *err)
{
	char path[512];
	struct { struct side *s; const char *name; } cs[] = { { &j->in, "counters_in" },
							       { &j->out, "counters_out" } };
	for (int i = 0; i < 2; i++) {
		if (!cs[i].s->kp)
			continue;
		int idx = moat_fw_prog_map(cs[i].s->fp, MOAT_FW_MAP_COUNTERS);
		pin_path(path, sizeof(path), j->dev, cs[i].name);
		if (idx >= 0 && moat_pin(moat_kprog_map_fd(cs[i].s->kp, (size_t)idx), path, err) < 0)
			return -1;
	}
	pin_path(path, sizeof(path), j->dev, "state");
	if (j->sh.state_fd >= 0 && moat_pin(j->sh.state_fd, path, err) < 0)
		return -1;
	pin_path(path, sizeof(path), j->dev, "log");
	if (j->sh.logs && moat_pin(j->sh.log_fd, path, err) < 0)
		return -1;
	for (size_t t = 0; t < moat_fw_table_count(j->rs) && t < 16; t++) {
		char name[64];
		snprintf(name, sizeof(name), "t_%s", moat_fw_table_name(j->rs, t));
		pin_path(path, sizeof(path), j->dev, name);
		if (j->sh.table_fd[t] >= 0 && moat_pin(j->sh.table_fd[t], path, err) < 0)
			return -1;
	}
	return 0;
}

static int switch_links(struct load_job *j, struct moat_error *err)
{
	char path[512];
	int lin = -1, lout = -1, r;
	r = attach_or_replace(j->dev, "link_in", j->ifindex,
			      j->tc ? MOAT_NETDEV_TC_INGRESS : MOAT_NETDEV_XDP,
			      moat_kprog_fd(j->in.kp), &lin, err);
	if (r == 0 && j->has_out)
		r = attach_or_replace(j->dev, "link_out", j->ifindex, MOAT_NETDEV_TC_EGRESS,
				      moat_kprog_fd(j->out.kp), &lout, err);
	if (r == 0 && lin >= 0) {
		pin_path(path, sizeof(path), j->dev, "link_in");
		r = moat_pin(lin, path, err);
	}
	if (r == 0 && lout >= 0) {
		pin_path(path, sizeof(path), j->dev, "link_out");
		r = moat_pin(lout, path, err);
	}
	/* Unpinned new links detach when closed: a failure leaves no attachment. */
	if (lin >= 0)
		close(lin);
	if (lout >= 0)
		close(lout);
	return r;
}

static int do_load(struct load_job *j, struct moat_error *err)
{
	char dir[256], hook[16];
	enum moat_fw_hook h = j->tc ? MOAT_FW_TC : MOAT_FW_XDP;
	snprintf(dir, sizeof(dir), "%s/%s", FW_PIN_SUBDIR, j->dev);
	loaded_hook(j->dev, hook, sizeof(hook));
	j->reload = hook[0] != 0;
	if (j->reload && strcmp(hook, j->tc ? "tc" : "xdp"))
		return moat_error_set(err, EEXIST, "%s has a firewall loaded with --%s; unload it "
					   "first to change the hook", j->dev, hook);
	if (moat_bpffs_mkdir(dir, err) < 0)
		return -1;
	char path[512];
	pin_path(path, sizeof(path), j->dev, "state");
	if (j->reload && access(path, F_OK) == 0 &&
	    (j->sh.state_fd = j->state_pin_fd = moat_pin_open(path, err)) < 0)
		return -1;
	pin_path(path, sizeof(path), j->dev, "log");
	if (j->reload && access(path, F_OK) == 0 &&
	    (j->sh.log_fd = j->log_pin_fd = moat_pin_open(path, err)) < 0)
		return -1;
	if (load_side(j->rs, MOAT_FW_IN, h, j->dev, &j->sh, &j->in, err) < 0)
		return -1;
	j->has_out = moat_fw_dir_used(j->rs, MOAT_FW_OUT, j->dev);
	if (j->has_out && load_side(j->rs, MOAT_FW_OUT, MOAT_FW_TC, j->dev, &j->sh, &j->out, err) < 0)
		return -1;
	if (switch_links(j, err) < 0 || pin_all(j, err) < 0)
		return -1;
	static const char *const fixed[] = { "link_in", "counters_in", "state" };
	const char *keep[24] = { fixed[0], fixed[1], j->sh.state_fd >= 0 ? fixed[2] : NULL,
				 j->has_out ? "link_out" : NULL, j->has_out ? "counters_out" : NULL,
				 j->sh.logs ? "log" : NULL };
	char names[16][40];
	size_t nk = 6;
	for (size_t t = 0; t < moat_fw_table_count(j->rs) && t < 16; t++) {
		snprintf(names[t], sizeof(names[t]), "t_%s", moat_fw_table_name(j->rs, t));
		keep[nk++] = names[t];
	}
	prune(j->dev, keep, nk);
	return write_conf(j->dev, j->tc ? "tc" : "xdp", j->rs, err);
}

static int unload_dev(const char *dev, struct moat_error *err);

int cmd_fw_load(int argc, char **argv)
{
	if (cli_wants_help(&load_cmd, argc, argv))
		return EXIT_OK;
	struct fw_opts o;
	int rc = fw_cli_options(&load_cmd, FWO_DEV | FWO_HOOK, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	if (o.nargs != 1)
		return cli_usage(&load_cmd, "expected one rule file");
	if (!o.dev)
		return cli_usage(&load_cmd, "missing --dev IFACE");
	struct load_job j = { .sh.state_fd = -1, .sh.log_fd = -1, .state_pin_fd = -1,
			      .log_pin_fd = -1, .dev = o.dev, .tc = o.tc };
	for (int t = 0; t < 16; t++)
		j.sh.table_fd[t] = -1;
	struct moat_error err;
	if ((j.ifindex = moat_netdev_ifindex(j.dev, &err)) < 0)
		return cli_fail("fw load", "no network interface '%s'", j.dev);
	char *text;
	j.rs = fw_cli_parse("fw load", o.args[0], &text);
	if (!j.rs)
		return EXIT_FAIL;
	int r = do_load(&j, &err);
	if (r < 0 && !j.reload) { /* a first load that failed leaves nothing */
		struct moat_error e2;
		unload_dev(j.dev, &e2);
	}
	side_free(&j.out);
	side_free(&j.in);
	if (j.state_pin_fd >= 0)
		close(j.state_pin_fd);
	if (j.log_pin_fd >= 0)
		close(j.log_pin_fd);
	rc = r < 0 ? fw_cli_fail("fw load", &err, text) : EXIT_OK;
	moat_fw_rules_free(j.rs);
	free(text);
	return rc;
}

static int unload_dev(const char *dev, struct moat_error *err)
{
	char dir[512], conf[512];
	snprintf(dir, sizeof(dir), "%s/%s", FW_PIN_ROOT, dev);
	prune(dev, NULL, 0);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return moat_error_set(err, errno, "removing %s: %s", dir, strerror(errno));
	snprintf(conf, sizeof(conf), "%s/%s.conf", FW_RUN_DIR, dev);
	if (unlink(conf) < 0 && errno != ENOENT)
		return moat_error_set(err, errno, "removing %s: %s", conf, strerror(errno));
	/* only when empty: other moat modules may pin there too */
	rmdir(FW_PIN_ROOT);
	rmdir("/sys/fs/bpf/moat");
	rmdir(FW_RUN_DIR);
	rmdir("/run/moat");
	return 0;
}

int cmd_fw_unload(int argc, char **argv)
{
	if (cli_wants_help(&unload_cmd, argc, argv))
		return EXIT_OK;
	struct fw_opts o;
	int rc = fw_cli_options(&unload_cmd, FWO_DEV, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	if (o.nargs)
		return cli_usage(&unload_cmd, "unexpected argument '%s'", o.args[0]);
	const char *dev = o.dev;
	struct moat_error err;
	if (dev) {
		return unload_dev(dev, &err) < 0 ? cli_fail_err("fw unload", &err) : EXIT_OK;
	}
	DIR *d = opendir(FW_PIN_ROOT);
	if (!d)
		return EXIT_OK;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && unload_dev(e->d_name, &err) < 0)
			rc = cli_fail_err("fw unload", &err);
	closedir(d);
	return rc;
}
