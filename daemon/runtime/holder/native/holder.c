/*
 * swarm-holder: the native PTY holder, one small process per runtime, started detached by
 * the daemon so the agent outlives it (the same job as ../main.ts, at a few hundred KB of
 * memory instead of a Node process). It owns the PTY, records the output (asciicast),
 * keeps a ring of recent output to rebuild the screen, and serves one daemon connection at
 * a time on its Unix socket with the frames of ../frames.ts. It leaves once the child has
 * exited and a daemon has taken the exit (RELEASE), or when no daemon collected it within a day.
 *
 * One thread, one poll loop: PTY master, listening socket, daemon connection, and a
 * self-pipe for SIGCHLD.
 */
#include "holder.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

/* Must equal HOLDER_PROTOCOL in ../frames.ts. */
#define PROTOCOL 2
enum { F_INFO = 1, F_REPLAY = 2, F_DATA = 3, F_EXIT = 4, F_REPLAY_END = 5, F_ACK = 10, F_INPUT = 11, F_RESIZE = 12, F_SIGNAL = 13, F_RELEASE = 14 };
#define MAX_FRAME (16u * 1024 * 1024)
/* A dead child produces no more output; once nothing has arrived for this long after its exit, everything the kernel buffered has been read. */
#define DRAIN_QUIET_MS 60
#define DRAIN_BACKSTOP_MS 500
/* A tail held back because it may begin a secret goes out once output has been quiet this long
 * (a value written slower than this, a piece at a time, cannot be recognised). */
#define REDACT_QUIET_MS 250
#define LINGER_MS (24LL * 3600 * 1000)
/* One DATA frame per turn of the loop, at most this much: fewer writes and acks. */
#define BATCH (256 * 1024)

static spec_t S;
static ring_t ring;
static cast_t cast;
static bool recording;
static redact_t red;

static int master = -1, slave = -1, listen_fd = -1, conn = -1, sig_pipe[2];
static pid_t child;
static char started_at[64];
static int cols, rows;
static uint64_t total;
static size_t unacked;
static bool paused, draining, master_eof, exited;
static int exit_code, exit_signal;
static char exited_at[64];
static int64_t last_data, slave_closed_at = -1, linger_until = -1;
static buf_t out;  /* frames queued for the daemon */
static size_t out_off;
static buf_t in;   /* bytes from the daemon, not yet a whole frame */
static buf_t keys; /* INPUT bytes not yet written to the PTY */

static void frame(uint8_t type, const void *p, size_t n) {
  uint8_t h[5] = {(uint8_t)((n + 1) >> 24), (uint8_t)((n + 1) >> 16), (uint8_t)((n + 1) >> 8), (uint8_t)(n + 1), type};
  buf_add(&out, h, 5);
  buf_add(&out, p, n);
}

static void close_conn(void) {
  if (conn >= 0) close(conn);
  conn = -1;
  out.len = out_off = 0;
  in.len = 0;
  /* nobody to pace us: keep reading so the agent never blocks; the ring is bounded */
  paused = false;
}

static void flush_out(void) {
  while (conn >= 0 && out_off < out.len) {
    ssize_t w = write(conn, out.p + out_off, out.len - out_off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) break;
    if (w <= 0) return close_conn();
    out_off += (size_t)w;
  }
  if (out_off == out.len) out.len = out_off = 0;
  else if (out_off > (1u << 20)) buf_drop(&out, out_off), out_off = 0;
}

/* Output after redaction: into the ring, the recording and the daemon. */
static void emit(const uint8_t *d, size_t n) {
  if (!n) return;
  ring_push(&ring, d, n);
  if (recording) cast_output(&cast, d, n);
  if (conn < 0) return;
  frame(F_DATA, d, n);
  unacked += n;
  if (unacked > S.high) paused = true;
}

static void output(const uint8_t *d, size_t n) {
  static buf_t clean;
  total += n;
  last_data = mono_ms();
  if (!red.n) return emit(d, n);
  clean.len = 0;
  redact_push(&red, d, n, &clean);
  emit((const uint8_t *)clean.p, clean.len);
}

static void read_master(void) {
  static uint8_t batch[BATCH];
  size_t got = 0;
  while (got < BATCH) {
    ssize_t r = read(master, batch + got, BATCH - got);
    if (r > 0) {
      got += (size_t)r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    /* EIO: every slave descriptor is closed, nothing more will come */
    if (r == 0 || (r < 0 && errno != EAGAIN)) master_eof = true;
    break;
  }
  output(batch, got);
}

static void info_frame(void) {
  buf_t j = {0};
  buf_adds(&j, "{\"id\":");
  buf_json_str(&j, S.id, strlen(S.id));
  buf_addf(&j, ",\"holder_pid\":%d,\"child_pid\":%d,\"cols\":%d,\"rows\":%d,\"total_bytes\":%llu,\"exited\":%s,\"started_at\":\"%s\",", getpid(), child,
           cols, rows, (unsigned long long)total, exited ? "true" : "false", started_at);
  buf_addf(&j, "\"protocol\":%d,\"holder\":\"native\"}", PROTOCOL);
  frame(F_INFO, j.p, j.len);
  buf_free(&j);
}

static void exit_json(buf_t *j) {
  buf_addf(j, "{\"exit_code\":%d,\"signal\":%d,\"total_bytes\":%llu,\"exited_at\":\"%s\"}", exit_code, exit_signal, (unsigned long long)total, exited_at);
}

/* The child is gone and its output drained: record the exit, tell the daemon. */
static void finish(void) {
  buf_t rest = {0};
  redact_flush(&red, &rest);
  emit((const uint8_t *)rest.p, rest.len);
  buf_free(&rest);
  exited = true;
  iso_time(exited_at, wall_ms());
  if (recording) cast_close(&cast);
  buf_t j = {0};
  exit_json(&j);
  char path[4200];
  snprintf(path, sizeof path, "%s/exit.json", S.dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    buf_add(&j, "\n", 1);
    ssize_t w = write(fd, j.p, j.len);
    (void)w;
    close(fd);
    j.len--;
  }
  hlog("child exited code=%d signal=%d bytes=%llu", exit_code, exit_signal, (unsigned long long)total);
  if (conn >= 0) frame(F_EXIT, j.p, j.len);
  buf_free(&j);
  if (slave >= 0) close(slave), slave = -1;
  close(master);
  master = -1;
  linger_until = mono_ms() + LINGER_MS;
}

static void leave(const char *why) {
  hlog("leaving: %s", why);
  unlink(S.socket);
  exit(0);
}

static void accept_conn(void) {
  int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  /* one daemon at a time: a new connection replaces the old (the old daemon is dead or leaving) */
  close_conn();
  conn = fd;
  unacked = 0;
  info_frame();
  buf_t r = {0};
  ring_replay(&ring, &r);
  for (size_t off = 0; off < r.len; off += BATCH) frame(F_REPLAY, r.p + off, r.len - off < BATCH ? r.len - off : BATCH);
  buf_free(&r);
  frame(F_REPLAY_END, NULL, 0);
  if (exited) {
    buf_t j = {0};
    exit_json(&j);
    frame(F_EXIT, j.p, j.len);
    buf_free(&j);
  }
  flush_out();
}

/* The integer after `"key":` in a small JSON object, or -1. */
static long json_int(const char *j, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = strstr(j, pat);
  if (!p || !(p = strchr(p + strlen(pat), ':'))) return -1;
  return strtol(p + 1, NULL, 10);
}

static int signal_number(const char *j) {
  static const struct {
    const char *name;
    int sig;
  } SIGS[] = {{"TERM", SIGTERM}, {"KILL", SIGKILL}, {"INT", SIGINT},   {"HUP", SIGHUP},   {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
              {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"TSTP", SIGTSTP}, {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"WINCH", SIGWINCH}};
  const char *p = strstr(j, "\"signal\"");
  if (!p || !(p = strchr(p + 8, ':')) || !(p = strchr(p, '"'))) return -1;
  p++;
  if (!strncmp(p, "SIG", 3)) p += 3;
  for (size_t i = 0; i < sizeof SIGS / sizeof SIGS[0]; i++) {
    size_t n = strlen(SIGS[i].name);
    if (!strncmp(p, SIGS[i].name, n) && p[n] == '"') return SIGS[i].sig;
  }
  return -1;
}

static void on_frame(uint8_t type, char *p, size_t n) {
  char json[256];
  if (type == F_RESIZE || type == F_SIGNAL) {
    size_t k = n < sizeof json - 1 ? n : sizeof json - 1;
    memcpy(json, p, k);
    json[k] = 0;
  }
  switch (type) {
    case F_ACK: {
      if (n < 4) break;
      uint32_t a = ((uint32_t)(uint8_t)p[0] << 24) | ((uint32_t)(uint8_t)p[1] << 16) | ((uint32_t)(uint8_t)p[2] << 8) | (uint8_t)p[3];
      unacked = a > unacked ? 0 : unacked - a;
      if (unacked < S.low) paused = false;
      break;
    }
    case F_INPUT:
      if (!exited) buf_add(&keys, p, n);
      break;
    case F_RESIZE: {
      long c = json_int(json, "cols"), r = json_int(json, "rows");
      if (exited || c < 1 || r < 1 || c > 65535 || r > 65535 || (c == cols && r == rows)) break;
      cols = (int)c, rows = (int)r;
      struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
      ioctl(master, TIOCSWINSZ, &ws);
      if (recording) cast_resize(&cast, cols, rows);
      break;
    }
    case F_SIGNAL: {
      int sig = signal_number(json);
      if (sig < 0) hlog("unknown signal in %s", json);
      else if (!exited && kill(child, sig) < 0) hlog("kill %d: %s", sig, strerror(errno));
      break;
    }
    case F_RELEASE:
      if (exited) leave("released by the daemon");
      break;
  }
}

static void read_conn(void) {
  char tmp[65536];
  bool eof = false;
  for (;;) {
    ssize_t r = read(conn, tmp, sizeof tmp);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) break;
    /* frames that came with the end (RELEASE is sent that way) still count */
    if (r <= 0) {
      eof = true;
      break;
    }
    buf_add(&in, tmp, (size_t)r);
  }
  size_t off = 0;
  while (in.len - off >= 5) {
    const uint8_t *h = (const uint8_t *)in.p + off;
    uint32_t len = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
    if (len < 1 || len > MAX_FRAME) {
      hlog("bad frame from daemon: length %u", len);
      return close_conn();
    }
    if (in.len - off < 4 + (size_t)len) break;
    on_frame(h[4], in.p + off + 5, len - 1);
    if (conn < 0) return;
    off += 4 + len;
  }
  buf_drop(&in, off);
  if (eof) close_conn();
}

static void write_keys(void) {
  while (keys.len && master >= 0) {
    ssize_t w = write(master, keys.p, keys.len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    buf_drop(&keys, (size_t)w);
  }
}

static void on_sigchld(int sig) {
  (void)sig;
  int e = errno;
  ssize_t w = write(sig_pipe[1], "c", 1);
  (void)w;
  errno = e;
}

/* The terminal settings node-pty gives its PTYs, so programs see the same line discipline under either holder. */
static void pty_termios(struct termios *t) {
  memset(t, 0, sizeof *t);
  t->c_iflag = ICRNL | IXON | IXANY | IMAXBEL | BRKINT | IUTF8;
  t->c_oflag = OPOST | ONLCR;
  t->c_cflag = CREAD | CS8 | HUPCL;
  t->c_lflag = ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL;
  t->c_cc[VEOF] = 4, t->c_cc[VEOL] = 0xff, t->c_cc[VEOL2] = 0xff, t->c_cc[VERASE] = 0x7f, t->c_cc[VWERASE] = 23, t->c_cc[VKILL] = 21;
  t->c_cc[VREPRINT] = 18, t->c_cc[VINTR] = 3, t->c_cc[VQUIT] = 0x1c, t->c_cc[VSUSP] = 26, t->c_cc[VSTART] = 17, t->c_cc[VSTOP] = 19;
  t->c_cc[VLNEXT] = 22, t->c_cc[VDISCARD] = 15, t->c_cc[VMIN] = 1, t->c_cc[VTIME] = 0;
  cfsetispeed(t, B38400);
  cfsetospeed(t, B38400);
}

static void spawn_child(void) {
  struct termios t;
  pty_termios(&t);
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  if (openpty(&master, &slave, NULL, &t, &ws) < 0) {
    hlog("openpty: %s", strerror(errno));
    fprintf(stderr, "swarm-holder: openpty: %s\n", strerror(errno));
    exit(1);
  }
  child = fork();
  if (child < 0) {
    hlog("fork: %s", strerror(errno));
    exit(1);
  }
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    close(master);
    if (login_tty(slave) < 0) _exit(126);
    if (chdir(S.cwd) < 0) {
      fprintf(stderr, "swarm-holder: cannot enter %s: %s\r\n", S.cwd, strerror(errno));
      _exit(126);
    }
    environ = S.env;
    execvp(S.argv[0], S.argv);
    fprintf(stderr, "swarm-holder: cannot run %s: %s\r\n", S.argv[0], strerror(errno));
    _exit(127);
  }
  /* Keep our own descriptor on the slave: the master then never reports a hangup while the
   * kernel still holds output of a child that exited at once; it is closed after the drain. */
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(slave, F_SETFD, FD_CLOEXEC);
}

static void reap(void) {
  char tmp[64];
  while (read(sig_pipe[0], tmp, sizeof tmp) > 0) {
  }
  int status;
  if (draining || waitpid(child, &status, WNOHANG) != child) return;
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  draining = true;
  /* the quiet period starts now: while paused nothing was read */
  last_data = mono_ms();
}

static void listen_socket(void) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(S.socket) >= sizeof a.sun_path) {
    hlog("socket path too long: %s", S.socket);
    exit(1);
  }
  strcpy(a.sun_path, S.socket);
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  unlink(S.socket);
  mode_t old = umask(077);
  if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(listen_fd, 4) < 0) {
    hlog("listen on %s: %s", S.socket, strerror(errno));
    exit(1);
  }
  umask(old);
  chmod(S.socket, 0600);
}

static int timeout_ms(int64_t now) {
  int64_t next = now + 60000;
  if (recording && cast.flush_at >= 0 && cast.flush_at < next) next = cast.flush_at;
  if (red.carry.len && last_data + REDACT_QUIET_MS < next) next = last_data + REDACT_QUIET_MS;
  if (draining && !exited) next = now + 10 < next ? now + 10 : next;
  if (linger_until >= 0 && linger_until < next) next = linger_until;
  return next <= now ? 0 : (int)(next - now);
}

/* The timed parts of a turn: recording flush, held-back redaction tail, exit drain, linger. */
static void on_time(int64_t now) {
  if (recording && !exited && cast.flush_at >= 0 && now >= cast.flush_at) cast_flush(&cast);
  if (red.carry.len && now - last_data >= REDACT_QUIET_MS) {
    buf_t rest = {0};
    redact_flush(&red, &rest);
    emit((const uint8_t *)rest.p, rest.len);
    buf_free(&rest);
  }
  if (draining && !exited) {
    if (slave >= 0 && now - last_data >= DRAIN_QUIET_MS) {
      /* everything is read: let the master see the hangup */
      close(slave);
      slave = -1;
      slave_closed_at = now;
    }
    if (master_eof || (slave_closed_at >= 0 && now - slave_closed_at >= DRAIN_BACKSTOP_MS)) finish();
  }
  if (linger_until >= 0 && now >= linger_until) leave("exit not collected");
}

static void loop(void) {
  for (;;) {
    struct pollfd p[4] = {{.fd = sig_pipe[0], .events = POLLIN}, {.fd = listen_fd, .events = POLLIN}, {.fd = -1}, {.fd = -1}};
    bool want_read = master >= 0 && !master_eof && (draining || !paused);
    if (master >= 0 && (want_read || keys.len)) p[2] = (struct pollfd){.fd = master, .events = (short)((want_read ? POLLIN : 0) | (keys.len ? POLLOUT : 0))};
    if (conn >= 0) p[3] = (struct pollfd){.fd = conn, .events = (short)(POLLIN | (out.len > out_off ? POLLOUT : 0))};
    int n = poll(p, 4, timeout_ms(mono_ms()));
    if (n < 0 && errno != EINTR) {
      hlog("poll: %s", strerror(errno));
      exit(1);
    }
    if (n > 0) {
      if (p[0].revents) reap();
      if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) read_master();
      if (p[2].revents & POLLOUT) write_keys();
      if (conn >= 0 && p[3].fd == conn && (p[3].revents & (POLLIN | POLLHUP | POLLERR))) read_conn();
      if (p[1].revents & POLLIN) accept_conn();
    }
    on_time(mono_ms());
    if (keys.len) write_keys();
    flush_out();
  }
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  spec_read(&S, 0);
  holder_log_path(S.dir);
  cols = S.cols;
  rows = S.rows;
  iso_time(started_at, wall_ms());
  ring_init(&ring, S.ring_bytes);
  redact_init(&red, S.redact, S.redc);
  S.command_line = redact_str(&red, S.command_line);
  if (S.rec_dir) {
    if (cast_open(&cast, S.rec_dir, S.rec_max, S.rec_keep ? S.rec_keep : 3, cols, rows, S.command_line) < 0) hlog("cannot open the recording in %s: %s", S.rec_dir, strerror(errno));
    else recording = true;
  }
  if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0) exit(1);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
  sigaction(SIGCHLD, &sa, NULL);
  spawn_child();
  last_data = mono_ms();
  char pidline[64];
  char path[4200];
  snprintf(path, sizeof path, "%s/holder.pid", S.dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    int k = snprintf(pidline, sizeof pidline, "%d %d\n", getpid(), child);
    ssize_t w = write(fd, pidline, (size_t)k);
    (void)w;
    close(fd);
  }
  listen_socket();
  hlog("holding pid %d (%s) on %s", child, S.command_line, S.socket);
  /* a child that exited before the handler was installed */
  on_sigchld(0);
  loop();
}
