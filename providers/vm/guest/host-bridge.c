/*
 * Host side, not guest: QEMU's user-mode network runs this once per guest connection to
 * the proxy address (`guestfwd=...-cmd:host-bridge SOCKET`), with the connection on stdin
 * and stdout, and it pipes that connection to the allow-list proxy's Unix socket.
 * A compiled binary starts in about a millisecond; `node -e` took ~40 ms per connection and
 * socat would be one more package to install. When the proxy is not there, the connection
 * just closes: the guest has no other way out, so it fails closed.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int pump(int from, int to) {
  char buf[65536];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return 0;
    off += w;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path)) return 2;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, argv[1]);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = s, .events = POLLIN}};
  int open_in = 1, open_out = 1;
  while (open_in || open_out) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (open_in && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(0, s)) {
      open_in = 0;
      p[0].fd = -1;
      shutdown(s, SHUT_WR);
    }
    if (open_out && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(s, 1)) {
      open_out = 0;
      p[1].fd = -1;
      if (shutdown(1, SHUT_WR) != 0) close(1);
    }
  }
  return 0;
}
