# map_update_elem with r4 (flags) never set.
# expect: reject
# insn: 9
# reason: r4 is read before it is written
# type: socket
# kernel: yes
.map m hash key=4 value=16 entries=8
	stw [%r10-4], 1
	stdw [%r10-24], 0
	stdw [%r10-16], 0
	mov %r2, %r10
	add %r2, -4
	mov %r3, %r10
	add %r3, -24
	lddw %r1, map m
	call 2	# <- rejected here
	mov %r0, 0
	exit
