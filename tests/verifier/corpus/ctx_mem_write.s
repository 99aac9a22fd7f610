# mem: the buffer is writable.
# expect: accept
# mem-len: 16
# kernel: no
	stdw [%r1+8], 1
	mov %r0, 0
	exit
