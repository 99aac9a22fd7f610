# The loop tests a counter nobody changes.
# expect: reject
# insn: 1
# reason: infinite loop
# type: socket
# kernel: yes
	mov %r6, 0
loop:
	jlt %r6, 10, loop	# <- rejected here
	mov %r0, 0
	exit
