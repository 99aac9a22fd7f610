# An 8-byte key read from 4 bytes below the frame pointer leaves the stack.
# expect: reject
# insn: 5
# reason: outside the 512-byte stack
# type: socket
# kernel: yes
.map m hash key=8 value=8 entries=8
	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	lddw %r1, map m
	call 1	# <- rejected here
	mov %r0, 0
	exit
