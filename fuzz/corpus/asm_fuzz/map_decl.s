# maps declared by name, used before and after the declaration
.map counts array key=4 value=16 entries=4
.map events ringbuf entries=4096
.map table hash key=8 value=8 entries=64 flags=no_prealloc
	lddw %r6, map_value counts, 8
	mov %r1, 0
	stw [%r10-4], 1
	lddw %r1, map counts
	mov %r2, %r10
	add %r2, -4
	call 1
	jeq %r0, 0, out
	lddw %r1, map events
	lddw %r1, map later
out:
	mov %r0, 0
	exit
.map later lpm_trie key=8 value=4 entries=16
