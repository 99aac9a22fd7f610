# map_update_elem with key and value on the stack.
# expect: accept
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	stw [%r10-4], 1
	stdw [%r10-24], 0
	stdw [%r10-16], 0
	mov %r2, %r10
	add %r2, -4
	mov %r3, %r10
	add %r3, -24
	mov %r4, 0
	lddw %r1, map m
	call 2
	mov %r0, 0
	exit
