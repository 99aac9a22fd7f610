/* Facts about the machine the C tests run on. */
#ifndef MOAT_TESTENV_H
#define MOAT_TESTENV_H

/* The cgroup v2 mount point (/sys/fs/cgroup/unified on hybrid hosts,
 * /sys/fs/cgroup on unified ones), or NULL when there is none. */
const char *test_cgroup2_mount(void);

#endif
