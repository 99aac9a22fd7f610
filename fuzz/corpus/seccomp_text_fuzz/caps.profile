default errno EPERM
with sys_admin allow mount umount2
without sys_admin without bpf errno ENOSYS clone3
with CAP_SYS_PTRACE allow ptrace if arg0 == 16
