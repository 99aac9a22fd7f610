# A 16-byte value read from 8 bytes below the frame pointer.
# expect: reject
# insn: 9
# reason: outside the 512-byte stack
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	stw [%r10-4], 1
	stdw [%r10-16], 0
	mov %r2, %r10
	add %r2, -4
	mov %r3, %r10
	add %r3, -8
	mov %r4, 0
	lddw %r1, map m
	call 2	# <- rejected here
	mov %r0, 0
	exit
