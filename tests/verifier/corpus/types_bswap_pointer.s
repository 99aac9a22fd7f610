# Byte-swapping a pointer.
# expect: reject
# insn: 1
# reason: byte swap of a pointer is not allowed
# type: socket
# kernel: yes
	mov %r2, %r10
	be64 %r2	# <- rejected here
	mov %r0, 0
	exit
