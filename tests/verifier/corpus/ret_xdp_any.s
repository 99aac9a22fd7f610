# XDP return codes are not range-checked at load time.
# expect: accept
# type: xdp
# kernel: yes
	mov %r0, 7
	exit
