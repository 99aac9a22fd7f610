# get_smp_processor_id returns a number that may be returned.
# expect: accept
# type: socket
# kernel: yes
	call 8
	exit
