# tail_call with the context, a program array and an index.
# expect: accept
# type: socket
# kernel: yes
.map progs prog_array key=4 value=4 entries=4
	lddw %r2, map progs
	mov %r3, 0
	call 12
	mov %r0, 0
	exit
