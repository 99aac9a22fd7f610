# A small web server's profile in moat's text format.
default errno EPERM
allow read write close fstat mmap munmap brk exit_group rt_sigreturn
allow accept4 bind listen epoll_wait epoll_ctl openat
allow personality if arg0 == 0x0 || arg0 == 0x8
errno ENOSYS clone3
kill ptrace
allow socket if arg0 != 40     # AF_VSOCK
allow clone if arg0 & 0x7e020000 == 0
