jsle %r1, 0xfffffffe, +1 # taken
jne32 %r1, %r2, exit
jset %r3, 1, done
done:
exit
