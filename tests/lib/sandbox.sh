# Shared helpers of the sandbox integration tests (source after tap.sh).
helpers=$MOAT_BUILD_DIR/tests/helpers
PROBE=(--volume "$helpers:/probe:ro")
# What a container run may leave behind: state files, cgroup directories of
# containers named moat-t*, mounts.  Compared before and after.
leftovers() {
	{ ls /run/moat/ 2>/dev/null; find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -name 'moat-t*' 2>/dev/null
	  wc -l </proc/self/mountinfo; } | sort
}
# cgroup directory of container NAME in the v1 hierarchy CTRL (the caller's own path below it)
cg_dir() {
	local ctrl=$1 name=$2 rel
	rel=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
	[ "$rel" = / ] && rel=
	echo "/sys/fs/cgroup/$ctrl$rel/$name"
}
