# mem programs: each frame has its own 512 bytes.
# expect: accept
# kernel: no
	stdw [%r10-512], 0
	call local f
	exit
f:
	stdw [%r10-512], 0
	mov %r0, 0
	exit
