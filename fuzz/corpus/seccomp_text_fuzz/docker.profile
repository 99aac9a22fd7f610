default errno EPERM
allow accept accept4 access adjtimex alarm bind brk capget capset chdir chmod
allow chown clock_adjtime clock_getres clock_gettime clock_nanosleep close
allow close_range connect copy_file_range creat dup dup2 dup3 epoll_create
allow epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
allow epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat
allow faccessat2 fadvise64 fallocate fanotify_mark fchdir fchmod fchmodat fchown
allow fchownat fcntl fdatasync fgetxattr flistxattr flock fork fremovexattr
allow fsetxattr fstat fstatfs fsync ftruncate futex futex_waitv futimesat getcpu
allow getcwd getdents getdents64 getegid geteuid getgid getgroups getitimer
allow getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid
allow getresuid getrlimit get_robust_list getrusage getsid getsockname
allow getsockopt get_thread_area gettid gettimeofday getuid getxattr
allow inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel
allow ioctl io_destroy io_getevents io_pgetevents ioprio_get ioprio_set io_setup
allow io_submit kill landlock_add_rule landlock_create_ruleset
allow landlock_restrict_self lchown lgetxattr link linkat listen listxattr
allow llistxattr lremovexattr lseek lsetxattr lstat madvise membarrier
allow memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2
allow mlockall mmap mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
allow mq_timedsend mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock
allow munlockall munmap name_to_handle_at nanosleep newfstatat open openat
allow openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free
allow pkey_mprotect poll ppoll prctl pread64 preadv preadv2 prlimit64
allow process_mrelease pselect6 pwrite64 pwritev pwritev2 read readahead
allow readlink readlinkat readv recvfrom recvmmsg recvmsg remap_file_pages
allow removexattr rename renameat renameat2 restart_syscall rmdir rseq
allow rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn
allow rt_sigsuspend rt_sigtimedwait rt_tgsigqueueinfo sched_getaffinity
allow sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min
allow sched_getscheduler sched_rr_get_interval sched_setaffinity sched_setattr
allow sched_setparam sched_setscheduler sched_yield seccomp select semctl semget
allow semop semtimedop sendfile sendmmsg sendmsg sendto setfsgid setfsuid setgid
allow setgroups setitimer setpgid setpriority setregid setresgid setresuid
allow setreuid setrlimit set_robust_list setsid setsockopt set_thread_area
allow set_tid_address setuid setxattr shmat shmctl shmdt shmget shutdown
allow sigaltstack signalfd signalfd4 socketpair splice stat statfs statx symlink
allow symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create
allow timer_delete timer_getoverrun timer_gettime timer_settime timerfd_create
allow timerfd_gettime timerfd_settime times tkill truncate umask uname unlink
allow unlinkat utime utimensat utimes vfork vmsplice wait4 waitid write writev
allow process_vm_readv process_vm_writev ptrace
allow socket if arg0 < 0x26 || arg0 == 0x27 || arg0 > 0x28
allow personality if arg0 == 0 || arg0 == 8 || arg0 == 0x20000 || arg0 == 0x20008 || arg0 == 0xffffffff
allow arch_prctl modify_ldt
allow clone if arg0 & 0x7e020000 == 0
errno ENOSYS clone3
allow chroot
