movsx864 %r1, %r2
movsx1632 %r1, %r2
bswap16 %r1
swap64 %r1
be32 %r1
le64 %r1
neg32 %r1
exit
