# Every operator on 64-bit arguments, several arguments in one rule.
default kill
allow exit_group rt_sigreturn
allow mmap if arg2 & 0x4 == 0 && arg3 <= 0x22
errno EACCES openat if arg2 & 0x3 == 0x3 || arg1 > 0xffffffff
allow openat
allow ioctl if arg1 == 0x5401 || arg1 == 0x5413 || arg1 >= 0x100000000
trap kill if arg1 == 9
log kill
trace 7 getpid
kill-thread gettid if arg0 < 5
allow gettid
