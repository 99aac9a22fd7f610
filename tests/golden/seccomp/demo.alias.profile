# The same policy spelled differently: numbers, names, kill-process, line order of
# rules for different syscalls, conditions split over lines.
default errno 1
allow read write close fstat mmap munmap brk exit_group rt_sigreturn accept4
allow bind listen epoll_wait epoll_ctl openat
allow personality if arg0 == 0
allow personality if arg0 == 8
errno 38 clone3
kill-process ptrace
allow socket if arg0 < 40 || arg0 > 40
allow clone if arg0 & 2114060288 == 0x0
