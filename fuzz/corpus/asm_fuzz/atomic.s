mov %r1, 5
stxdw [%r10-8], %r1
lock fetch add [%r10-8], %r1
lock cmpxchg32 [%r10-8], %r1
lock xchg [%r10-8], %r1
exit
