ldxdw %r0, [%r1+2]
ldxsb %r2, [%r1-1]
stxw [%r10-4], %r2
stdw [%r10-16], -3
exit
