.insn 0x0000000100010004
.insn 0x95
ldabsw 4
ldindh %r1, 2
