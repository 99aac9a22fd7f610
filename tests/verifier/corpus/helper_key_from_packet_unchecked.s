# A map key from packet bytes never checked (xdp).
# expect: reject
# insn: 3
# reason: without a bounds check
# type: xdp
# kernel: yes
.map m hash key=4 value=16 entries=8
	ldxw %r2, [%r1+0]
	lddw %r1, map m
	call 1	# <- rejected here
	mov %r0, 2
	exit
