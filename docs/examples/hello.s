# Sum the bytes of the input buffer (r1 = buffer, r2 = its length).
# A bounded loop with a local function: moat verifies, then runs it.
        mov %r0, 0
        mov %r3, 0
loop:
        jge %r3, %r2, done
        mov %r4, %r1
        add %r4, %r3
        ldxb %r5, [%r4+0]
        add %r0, %r5
        add %r3, 1
        jlt %r3, 64, loop
done:
        exit
