# map_delete_elem.
# expect: accept
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	stw [%r10-4], 1
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 3
	mov %r0, 0
	exit
