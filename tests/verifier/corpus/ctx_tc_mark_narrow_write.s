# tc: narrow stores to a field are not allowed (narrow loads are).
# expect: reject
# insn: 1
# reason: written with 4-byte stores
# type: tc
# kernel: yes
	ldxb %r2, [%r1+9]
	stb [%r1+8], 1	# <- rejected here
	mov %r0, 0
	exit
