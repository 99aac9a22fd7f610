# A function returns a map-value pointer its caller ignores: clang emits
# this when `return v != 0;` is unused (the kernel accepts it).
# expect: accept
# type: xdp
# kernel: yes
.map m hash key=2 value=8 entries=16
	mov %r1, 80
	call local bump
	mov %r0, 2
	exit
bump:
	stxh [%r10-2], %r1
	mov %r2, %r10
	add %r2, -2
	lddw %r1, map m
	call 1
	jeq %r0, 0, +2
	mov %r1, 1
	lock add [%r0+0], %r1
	exit
