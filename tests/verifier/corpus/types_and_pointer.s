# Masking a pointer (an alignment trick the verifier cannot follow).
# expect: reject
# insn: 2
# reason: only addition and subtraction are allowed on pointers
# type: socket
# kernel: yes
	mov %r2, %r10
	add %r2, -16
	and %r2, -8	# <- rejected here
	mov %r0, 0
	exit
