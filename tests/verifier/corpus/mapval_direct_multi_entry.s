# lddw map_value needs a single-entry array: with several entries it is
# not clear which one is meant, and the kernel refuses it.
# expect: reject
# insn: 0
# reason: array
# type: socket
# kernel: yes
.map m array key=4 value=16 entries=4
	lddw %r1, map_value m, 0	# <- rejected here
	ldxdw %r0, [%r1+0]
	exit
