# xdp: read data, data_end and rx_queue_index.
# expect: accept
# type: xdp
# kernel: yes
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	ldxw %r0, [%r1+16]
	mov %r0, 2
	exit
