# callx through a register holding a known helper id (ktime_get_ns).
# expect: accept
# kernel: no
	mov %r3, 5
	call %r3
	mov %r0, 0
	exit
