/* Facts about the machine the C tests run on (testenv.h). */
#include <linux/magic.h>
#include <stddef.h>
#include <sys/vfs.h>

#include "testenv.h"

const char *test_cgroup2_mount(void)
{
	static const char *const cands[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct statfs s;
	for (size_t i = 0; i < 2; i++)
		if (statfs(cands[i], &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
			return cands[i];
	return NULL;
}
