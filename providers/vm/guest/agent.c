/*
 * swarm guest agent: runs inside the microVM as the root's init and serves the host over
 * one virtio-serial port. Many commands share the port, so every message is a frame:
 *   type u8 | channel u32 BE | length u32 BE | payload
 * host -> guest: OPEN (NUL-separated: mode, rows, cols, cwd, argc, argv..., env...),
 *                STDIN, STDIN_EOF, RESIZE (rows u16, cols u16), SIGNAL (u8), SEED, PING
 * guest -> host: STDOUT, STDERR, EXIT (code i32, signal i32), PONG
 * A static binary with no libc beyond what gcc -static links, so the guest needs no node.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

enum { F_OPEN = 1, F_STDIN = 2, F_STDIN_EOF = 3, F_RESIZE = 4, F_SIGNAL = 5, F_SEED = 6, F_PING = 7,
       F_STDOUT = 10, F_STDERR = 11, F_EXIT = 12, F_PONG = 13 };

#define MAXCH 256
struct chan {
  int used; uint32_t id; pid_t pid;
  int in, out, err; /* -1 when closed; for a pty, out is the master and in == out */
  int pty, exited, status;
  /* stdin bytes the child has not taken yet: the agent never blocks on one child */
  unsigned char *pend; size_t plen; int eof_pending;
};
static struct chan chans[MAXCH];
static int port = -1;
static int sigpipe_fds[2];

static void put32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static uint32_t get32(const unsigned char *p) { return ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

static void write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; if (errno == EAGAIN) { struct pollfd q = {fd, POLLOUT, 0}; poll(&q, 1, 100); continue; } return; }
    p += w; n -= (size_t)w;
  }
}

static void send_frame(int type, uint32_t ch, const void *data, uint32_t len) {
  unsigned char h[9];
  h[0] = (unsigned char)type; put32(h + 1, ch); put32(h + 5, len);
  write_all(port, h, 9);
  if (len) write_all(port, data, len);
}

static struct chan *find(uint32_t id) {
  for (int i = 0; i < MAXCH; i++) if (chans[i].used && chans[i].id == id) return &chans[i];
  return NULL;
}

static void close_fd(int *fd) { if (*fd >= 0) close(*fd); *fd = -1; }

static void close_stdin(struct chan *c) {
  if (c->pty) { if (c->in >= 0) { const char eot = 4; (void)!write(c->in, &eot, 1); } }
  else close_fd(&c->in);
  c->eof_pending = 0;
}

/* Writes what the child will take now; keeps the rest for POLLOUT. */
static void flush_stdin(struct chan *c) {
  while (c->plen > 0 && c->in >= 0) {
    ssize_t w = write(c->in, c->pend, c->plen);
    if (w < 0) { if (errno == EINTR) continue; if (errno == EAGAIN) return; c->plen = 0; break; }
    memmove(c->pend, c->pend + w, c->plen - (size_t)w); c->plen -= (size_t)w;
  }
  if (c->plen == 0 && c->eof_pending) close_stdin(c);
}

static void queue_stdin(struct chan *c, const unsigned char *p, uint32_t len) {
  if (c->in < 0) return;
  unsigned char *n = realloc(c->pend, c->plen + len);
  if (!n) return;
  c->pend = n; memcpy(c->pend + c->plen, p, len); c->plen += len;
  flush_stdin(c);
}

static void maybe_finish(struct chan *c) {
  if (!c->exited || c->out >= 0 || c->err >= 0) return;
  unsigned char p[8];
  int code = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
  int sig = WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
  put32(p, (uint32_t)code); put32(p + 4, (uint32_t)sig);
  send_frame(F_EXIT, c->id, p, 8);
  if (c->in >= 0 && c->in != c->out) close(c->in);
  free(c->pend);
  memset(c, 0, sizeof *c);
}

static void open_chan(uint32_t id, char *p, uint32_t len) {
  char *fields[4096]; int n = 0; char *end = p + len;
  while (p < end && n < 4095) { fields[n++] = p; p += strlen(p) + 1; }
  struct chan *c = NULL;
  for (int i = 0; i < MAXCH; i++) if (!chans[i].used) { c = &chans[i]; break; }
  unsigned char ex[8];
  if (!c || n < 5) { const char *m = "swarm-agent: bad open or too many channels\n"; send_frame(F_STDERR, id, m, strlen(m)); put32(ex, 125); put32(ex + 4, 0); send_frame(F_EXIT, id, ex, 8); return; }
  int pty = strcmp(fields[0], "pty") == 0;
  int rows = atoi(fields[1]), cols = atoi(fields[2]);
  char *cwd = fields[3];
  int argc = atoi(fields[4]);
  if (argc < 1 || 5 + argc > n) { put32(ex, 125); put32(ex + 4, 0); send_frame(F_EXIT, id, ex, 8); return; }
  char **argv = calloc((size_t)argc + 1, sizeof *argv);
  for (int i = 0; i < argc; i++) argv[i] = fields[5 + i];
  int envc = n - 5 - argc;
  char **envp = calloc((size_t)envc + 1, sizeof *envp);
  for (int i = 0; i < envc; i++) envp[i] = fields[5 + argc + i];

  memset(c, 0, sizeof *c);
  c->used = 1; c->id = id; c->pty = pty; c->in = c->out = c->err = -1;
  pid_t pid;
  if (pty) {
    struct winsize ws = { (unsigned short)(rows > 0 ? rows : 24), (unsigned short)(cols > 0 ? cols : 80), 0, 0 };
    int master;
    pid = forkpty(&master, NULL, NULL, &ws);
    if (pid > 0) { c->in = c->out = master; fcntl(master, F_SETFL, O_NONBLOCK); }
  } else {
    int pi[2], po[2], pe[2];
    if (pipe2(pi, O_CLOEXEC) || pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) pid = -1;
    else pid = fork();
    if (pid == 0) { dup2(pi[0], 0); dup2(po[1], 1); dup2(pe[1], 2); }
    else if (pid > 0) { close(pi[0]); close(po[1]); close(pe[1]); c->in = pi[1]; c->out = po[0]; c->err = pe[0]; fcntl(c->in, F_SETFL, O_NONBLOCK); }
  }
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL); signal(SIGCHLD, SIG_DFL);
    if (chdir(cwd) != 0) { fprintf(stderr, "swarm-agent: cannot enter %s: %s\n", cwd, strerror(errno)); _exit(126); }
    execvpe(argv[0], argv, envp);
    fprintf(stderr, "swarm-agent: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  free(argv); free(envp);
  if (pid < 0) { memset(c, 0, sizeof *c); put32(ex, 125); put32(ex + 4, 0); send_frame(F_EXIT, id, ex, 8); return; }
  c->pid = pid;
}

static void handle(int type, uint32_t id, unsigned char *p, uint32_t len) {
  struct chan *c = find(id);
  switch (type) {
  case F_OPEN: if (!c) open_chan(id, (char *)p, len); break;
  case F_STDIN: if (c) queue_stdin(c, p, len); break;
  case F_STDIN_EOF:
    if (!c) break;
    if (c->plen > 0) c->eof_pending = 1; else close_stdin(c);
    break;
  case F_RESIZE:
    if (c && c->pty && len >= 4) { struct winsize ws = { (unsigned short)((p[0] << 8) | p[1]), (unsigned short)((p[2] << 8) | p[3]), 0, 0 }; ioctl(c->out, TIOCSWINSZ, &ws); }
    break;
  case F_SIGNAL: if (c && !c->exited && len >= 1) kill(c->pty ? -c->pid : c->pid, p[0]); if (c && !c->exited && len >= 1 && c->pty) kill(c->pid, p[0]); break;
  case F_SEED: { int fd = open("/dev/urandom", O_WRONLY); if (fd >= 0) { write_all(fd, p, len); close(fd); } break; }
  case F_PING: send_frame(F_PONG, id, p, len); break;
  }
}

static void on_sigchld(int s) { (void)s; int e = errno; (void)!write(sigpipe_fds[1], "c", 1); errno = e; }

static void reap(void) {
  int st; pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
    for (int i = 0; i < MAXCH; i++)
      if (chans[i].used && chans[i].pid == pid) { chans[i].exited = 1; chans[i].status = st; maybe_finish(&chans[i]); }
}

static int open_port(void) {
  const char *path = getenv("SWARM_AGENT_PORT");
  for (int tries = 0; tries < 500; tries++) {
    int fd = open(path ? path : "/dev/vport0p1", O_RDWR | O_CLOEXEC);
    if (fd >= 0) return fd;
    usleep(10000);
  }
  return -1;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK)) return 1;
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_sigchld; sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  port = open_port();
  if (port < 0) { perror("swarm-agent: open port"); return 1; }
  static unsigned char buf[1 << 20]; size_t have = 0;
  static char io[65536];
  for (;;) {
    struct pollfd fds[2 + 3 * MAXCH]; struct chan *owner[2 + 3 * MAXCH]; int isErr[2 + 3 * MAXCH]; int n = 0;
    fds[n].fd = port; fds[n].events = POLLIN; owner[n] = NULL; n++;
    fds[n].fd = sigpipe_fds[0]; fds[n].events = POLLIN; owner[n] = NULL; n++;
    for (int i = 0; i < MAXCH; i++) {
      if (!chans[i].used) continue;
      if (chans[i].out >= 0) { fds[n].fd = chans[i].out; fds[n].events = POLLIN; owner[n] = &chans[i]; isErr[n] = 0; n++; }
      if (chans[i].err >= 0) { fds[n].fd = chans[i].err; fds[n].events = POLLIN; owner[n] = &chans[i]; isErr[n] = 1; n++; }
      if (chans[i].plen > 0 && chans[i].in >= 0) { fds[n].fd = chans[i].in; fds[n].events = POLLOUT; owner[n] = &chans[i]; isErr[n] = 2; n++; }
    }
    if (poll(fds, (nfds_t)n, -1) < 0) { if (errno == EINTR) continue; return 1; }
    if (fds[1].revents) { char t[64]; while (read(sigpipe_fds[0], t, sizeof t) > 0) {} reap(); }
    for (int i = 2; i < n; i++) {
      if (!fds[i].revents) continue;
      struct chan *c = owner[i];
      if (!c->used) continue;
      if (isErr[i] == 2) { if (fds[i].revents & (POLLERR | POLLHUP)) { c->plen = 0; if (!c->pty) close_fd(&c->in); } else flush_stdin(c); continue; }
      ssize_t r = read(fds[i].fd, io, sizeof io);
      if (r > 0) { send_frame(isErr[i] ? F_STDERR : F_STDOUT, c->id, io, (uint32_t)r); continue; }
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      /* EOF, or EIO on a pty master once the last slave closed */
      if (isErr[i]) close_fd(&c->err);
      else { if (c->in == c->out) c->in = -1; close_fd(&c->out); }
      reap();
      maybe_finish(c);
    }
    if (fds[0].revents) {
      ssize_t r = read(port, buf + have, sizeof buf - have);
      if (r <= 0) { if (r < 0 && errno == EINTR) continue; usleep(20000); continue; } /* host not connected */
      have += (size_t)r;
      size_t off = 0;
      while (have - off >= 9) {
        uint32_t len = get32(buf + off + 5);
        if (len > sizeof buf - 9) { have = off = 0; break; } /* corrupt stream: drop it */
        if (have - off < 9 + len) break;
        handle(buf[off], get32(buf + off + 1), buf + off + 9, len);
        off += 9 + len;
      }
      memmove(buf, buf + off, have - off); have -= off;
    }
  }
}
