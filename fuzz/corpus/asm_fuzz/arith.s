sdiv %r1, 3
smod32 %r1, %r2
arsh %r1, 63 ; semicolon comment
xor64 %r1, -1
exit
