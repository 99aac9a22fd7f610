/*
 * The terminal of `moat run -t`: a pseudo-terminal whose slave becomes the
 * command's controlling terminal (and /dev/console), while moat relays
 * bytes between its own terminal, put in raw mode so that keys such as ^C
 * reach the container's line discipline, and the master.  Window size
 * changes (SIGWINCH) are copied across.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/sandbox_internal.h"

_Static_assert(sizeof(struct termios) <= sizeof(((struct sbx_tty *)0)->saved), "termios fits");

int sbx_tty_open(struct sbx_tty *t, struct moat_error *err)
{
	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->master < 0 || grantpt(t->master) < 0 || unlockpt(t->master) < 0 ||
	    ptsname_r(t->master, t->slave_name, sizeof(t->slave_name)) != 0)
		return moat_error_set(err, errno, "allocating a terminal: %s", strerror(errno));
	/* the slave is not close-on-exec: the container's command inherits it */
	t->slave = open(t->slave_name, O_RDWR | O_NOCTTY);
	if (t->slave < 0)
		return moat_error_set(err, errno, "opening %s: %s", t->slave_name, strerror(errno));
	sbx_tty_resize(t);
	struct termios tio, raw;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tio) == 0) {
		memcpy(t->saved, &tio, sizeof(tio));
		raw = tio;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
			t->raw_set = true;
	}
	return 0;
}

void sbx_tty_resize(const struct sbx_tty *t)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(t->master, TIOCSWINSZ, &ws);
}

bool sbx_tty_pump(int in_fd, int out_fd)
{
	char buf[4096];
	ssize_t n = read(in_fd, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(out_fd, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

void sbx_tty_close(struct sbx_tty *t)
{
	if (t->raw_set) {
		struct termios tio;
		memcpy(&tio, t->saved, sizeof(tio));
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tio);
		t->raw_set = false;
	}
	if (t->slave >= 0)
		close(t->slave);
	if (t->master >= 0)
		close(t->master);
	t->slave = t->master = -1;
}
