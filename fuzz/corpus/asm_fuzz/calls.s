mov %r1, 1
call local fn
exit
fn:
mov %r0, %r1
call 5
call %r2
call runtime 3
exit
