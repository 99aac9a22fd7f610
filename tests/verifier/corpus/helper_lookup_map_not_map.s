# The map argument is a stack pointer.
# expect: reject
# insn: 4
# reason: must be a map
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	stw [%r10-4], 0
	mov %r2, %r10
	add %r2, -4
	mov %r1, %r10
	call 1	# <- rejected here
	mov %r0, 0
	exit
