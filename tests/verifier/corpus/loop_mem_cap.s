# mem program: an endless loop whose counter keeps changing hits the cap.
# expect: reject
# reason: without finishing
# kernel: no
	mov %r0, 0
loop:
	add %r0, 1
	ja loop
