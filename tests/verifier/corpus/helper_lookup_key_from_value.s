# A map value used as the key of another lookup.
# expect: accept
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8

	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1

	jne %r0, 0, +2
	mov %r0, 0
	exit
	mov %r2, %r0
	lddw %r1, map m
	call 1
	mov %r0, 0
	exit
