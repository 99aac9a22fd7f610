# tc: tc_index, queue_mapping and tc_classid are writable.
# expect: accept
# type: tc
# kernel: yes
	stw [%r1+44], 3
	stw [%r1+12], 1
	stw [%r1+72], 5
	mov %r0, 0
	exit
