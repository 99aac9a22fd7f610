/*
 * Consuming a kernel BPF ring buffer, through libbpf's ring_buffer API (it
 * maps the consumer and producer pages and walks the records with the
 * right memory ordering).  moat's callback type is adapted to libbpf's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include <moat/kernel_attach.h>

struct moat_kringbuf {
	struct ring_buffer *rb;
	moat_kringbuf_fn fn;
	void *arg;
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct moat_kringbuf *k = ctx;
	return k->fn(k->arg, data, len);
}

struct moat_kringbuf *moat_kringbuf_new(int map_fd, moat_kringbuf_fn fn, void *arg,
					struct moat_error *err)
{
	struct moat_kringbuf *k = calloc(1, sizeof(*k));
	if (!k) {
		moat_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	k->fn = fn;
	k->arg = arg;
	k->rb = ring_buffer__new(map_fd, on_record, k, NULL);
	if (!k->rb) {
		int e = errno;
		free(k);
		moat_error_set(err, e, "cannot map the kernel ring buffer: %s", strerror(e));
		return NULL;
	}
	return k;
}

int moat_kringbuf_poll(struct moat_kringbuf *k, int timeout_ms, struct moat_error *err)
{
	int n = timeout_ms == 0 ? ring_buffer__consume(k->rb) : ring_buffer__poll(k->rb, timeout_ms);
	if (n < 0 && n != -EINTR)
		return moat_error_set(err, -n, "reading the kernel ring buffer: %s", strerror(-n));
	return n;
}

void moat_kringbuf_free(struct moat_kringbuf *k)
{
	if (!k)
		return;
	ring_buffer__free(k->rb);
	free(k);
}
