# Atomic operations are 32 or 64 bits wide, not 8.
# expect: reject
# insn: 2
# reason: atomic operations are 32 or 64 bits wide
# type: socket
# kernel: yes
	stdw [%r10-8], 0
	mov %r1, 1
	.insn 0x00000000fff81ad3	# <- rejected here
	mov %r0, 0
	exit
