lddw %r1, map 0
lddw %r2, map_value 1, 8
mov %r0, 0
exit
