# 200 + 200 + 200 bytes across three frames.
# expect: reject
# insn: 6
# reason: the call chain uses
# type: socket
# kernel: yes
	stdw [%r10-200], 0
	call local f
	exit
f:
	stdw [%r10-200], 0
	call local g
	exit
g:
	stdw [%r10-200], 0	# <- rejected here
	mov %r0, 0
	exit
