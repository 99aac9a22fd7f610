# Atomic operation code 0xe0 does not exist.
# expect: reject
# insn: 2
# reason: invalid atomic operation
# type: socket
# kernel: yes
	stdw [%r10-8], 0
	mov %r1, 1
	.insn 0x000000e0fff81adb	# <- rejected here
	mov %r0, 0
	exit
