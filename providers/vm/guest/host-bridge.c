/*
 * Host side, not guest: QEMU's user-mode network runs this once per guest connection to
 * the proxy address (`guestfwd=...-cmd:host-bridge SOCKET`), with the connection on stdin
 * and stdout, and it pipes that connection to the allow-list proxy's Unix socket.
 * A compiled binary starts in about a millisecond; `node -e` took ~40 ms per connection and
 * socat would be one more package to install. When the proxy is not there, the connection
 * just closes: the guest has no other way out, so it fails closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * One direction of the connection. Every fd is non-blocking and each direction has its own
 * buffer, so a side that stops reading stalls only the bytes headed to it: with one blocking
 * write, a guest that uploads before it reads the reply would wait on us while we wait on it.
 */
struct dir {
  int from, to;
  char buf[65536];
  size_t len, off;
  int eof;  /* nothing more to read from `from` */
  int done; /* `to` has been shut for writing */
};

static void finish(struct dir *d) {
  if (d->done) return;
  d->done = 1;
  d->eof = 1;
  d->len = d->off = 0;
  if (shutdown(d->to, SHUT_WR) != 0) close(d->to); /* stdout may not be a socket */
}

static void on_readable(struct dir *d) {
  ssize_t n = read(d->from, d->buf, sizeof d->buf);
  if (n > 0) {
    d->len = (size_t)n;
    d->off = 0;
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
    d->eof = 1;
  }
}

static void on_writable(struct dir *d) {
  ssize_t w = write(d->to, d->buf + d->off, d->len - d->off);
  if (w > 0) {
    d->off += (size_t)w;
    if (d->off == d->len) d->len = d->off = 0;
  } else if (w < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
    finish(d); /* the reader is gone: drop what is left */
  }
}

int main(int argc, char **argv) {
  if (argc != 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path)) return 2;
  signal(SIGPIPE, SIG_IGN); /* a closed peer shows up as EPIPE, handled per direction */
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, argv[1]);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  int fds[] = {0, 1, s};
  for (int i = 0; i < 3; i++) fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
  static struct dir up = {.from = 0, .to = -1}, down = {.from = -1, .to = 1};
  up.to = s;
  down.from = s;
  struct dir *ds[2] = {&up, &down};
  while (!up.done || !down.done) {
    struct pollfd p[4];
    for (int i = 0; i < 2; i++) {
      struct dir *d = ds[i];
      if (!d->done && d->len == 0 && d->eof) finish(d);
      p[2 * i] = (struct pollfd){.fd = !d->done && !d->eof && d->len == 0 ? d->from : -1, .events = POLLIN};
      p[2 * i + 1] = (struct pollfd){.fd = !d->done && d->len > 0 ? d->to : -1, .events = POLLOUT};
    }
    if (up.done && down.done) break;
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (int i = 0; i < 2; i++) {
      struct dir *d = ds[i];
      if (p[2 * i].fd >= 0 && p[2 * i].revents) on_readable(d);
      if (p[2 * i + 1].fd >= 0 && p[2 * i + 1].revents) on_writable(d);
    }
  }
  return 0;
}
