# A 32-bit sign extension from 32 bits does not exist.
# expect: reject
# insn: 1
# reason: offset 32 is not valid
# type: socket
# kernel: yes
	mov %r1, 1
	.insn 0x00000000002010bc	# <- rejected here
	mov %r0, 0
	exit
