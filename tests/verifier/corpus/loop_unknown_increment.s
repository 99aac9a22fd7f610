# An unknown counter incremented until it wraps: cannot be shown to end.
# expect: reject
# insn: 2
# reason: infinite loop
# type: socket
# kernel: yes
	call 7
	mov %r6, %r0
loop:
	add %r6, 1	# <- rejected here
	jne %r6, 0, loop
	mov %r0, 0
	exit
