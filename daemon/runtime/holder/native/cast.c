/*
 * The recording, byte for byte the format of ../recorder.ts: asciicast v2, a header line
 * then `[seconds, "o", text]` lines; text is the output decoded as UTF-8 the way Node's
 * StringDecoder does (a sequence split across reads waits for its end; invalid bytes become
 * U+FFFD), escaped as JSON.stringify does. Writes are batched (256 KB or 50 ms). An event that
 * would take the file past max_bytes goes to a fresh file instead (output.cast → output.1.cast …,
 * `keep` old files), and a big read is recorded as events of at most PIECE bytes of text.
 */
#include "holder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLUSH_BYTES (256 * 1024)
#define FLUSH_MS 50
#define PIECE 8192 /* recorder.ts PIECE */

static void cast_name(const cast_t *c, int index, char *out, size_t n) {
  if (index == 0) snprintf(out, n, "%s/output.cast", c->dir);
  else snprintf(out, n, "%s/output.%d.cast", c->dir, index);
}

static void mkdirs(const char *dir) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", dir);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(tmp, 0700);
    *p = '/';
  }
  mkdir(tmp, 0700);
}

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      hlog("recording write failed: %s", strerror(errno));
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

static int open_fresh(cast_t *c) {
  char name[4200];
  cast_name(c, 0, name, sizeof name);
  c->fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (c->fd < 0) return -1;
  buf_t h = {0};
  buf_addf(&h, "{\"version\":2,\"width\":%d,\"height\":%d,\"timestamp\":%lld,\"command\":", c->cols, c->rows, (long long)(c->start_wall / 1000));
  buf_json_str(&h, c->command, strlen(c->command));
  buf_adds(&h, ",\"env\":{\"TERM\":\"xterm-256color\"}}\n");
  write_all(c->fd, h.p, h.len);
  c->bytes = c->header_bytes = h.len;
  buf_free(&h);
  return 0;
}

int cast_open(cast_t *c, const char *dir, size_t max_bytes, int keep, int cols, int rows, const char *command) {
  memset(c, 0, sizeof *c);
  c->dir = strdup(dir);
  c->command = strdup(command);
  c->max_bytes = max_bytes;
  c->keep = keep;
  c->cols = cols;
  c->rows = rows;
  c->start_wall = wall_ms();
  c->start_mono = mono_ms();
  c->flush_at = -1;
  mkdirs(dir);
  return open_fresh(c);
}

static void rotate(cast_t *c) {
  char from[4200], to[4200];
  close(c->fd);
  cast_name(c, c->keep, to, sizeof to);
  unlink(to);
  for (int i = c->keep - 1; i >= 0; i--) {
    cast_name(c, i, from, sizeof from);
    cast_name(c, i + 1, to, sizeof to);
    rename(from, to);
  }
  if (open_fresh(c) < 0) hlog("cannot reopen the recording: %s", strerror(errno));
}

void cast_flush(cast_t *c) {
  c->flush_at = -1;
  if (!c->pending.len || c->fd < 0) return;
  write_all(c->fd, c->pending.p, c->pending.len);
  c->bytes += c->pending.len;
  c->pending.len = 0;
}

/* One line; the file rotates before a line that would pass the cap, unless it holds only its header. */
static void line(cast_t *c, const buf_t *l) {
  size_t held = c->bytes + c->pending.len;
  if (held + l->len > c->max_bytes && held > c->header_bytes) {
    cast_flush(c);
    rotate(c);
  }
  buf_add(&c->pending, l->p, l->len);
  if (c->pending.len >= FLUSH_BYTES) cast_flush(c);
  else if (c->flush_at < 0) c->flush_at = mono_ms() + FLUSH_MS;
}

/* `text` is valid UTF-8: it is cut only between characters, into pieces of at most PIECE bytes. */
static void event(cast_t *c, char kind, const char *text, size_t n) {
  static buf_t l;
  int64_t t = mono_ms() - c->start_mono;
  for (size_t i = 0; i < n;) {
    size_t end = n - i > PIECE ? i + PIECE : n;
    while (end < n && end > i + 1 && ((uint8_t)text[end] & 0xc0) == 0x80) end--;
    l.len = 0;
    buf_addf(&l, "[%lld.%03lld000, \"%c\", ", (long long)(t / 1000), (long long)(t % 1000), kind);
    buf_json_str(&l, text + i, end - i);
    buf_add(&l, "]\n", 2);
    line(c, &l);
    i = end;
  }
}

/* Length of a complete sequence led by `b`, 0 when `b` cannot lead one. */
static size_t seq_len(uint8_t b) { return b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0; }

/* Whether `c` may follow `lead` as byte `i` (1-based) of its sequence (WHATWG UTF-8 decoder bounds). */
static bool cont_ok(uint8_t lead, size_t i, uint8_t c) {
  uint8_t lo = 0x80, hi = 0xbf;
  if (i == 1) {
    if (lead == 0xe0) lo = 0xa0;
    else if (lead == 0xed) hi = 0x9f;
    else if (lead == 0xf0) lo = 0x90;
    else if (lead == 0xf4) hi = 0x8f;
  }
  return c >= lo && c <= hi;
}

/* Decodes `d` into `out` as valid UTF-8; returns how many trailing bytes are an unfinished sequence. */
static size_t decode(const uint8_t *d, size_t n, buf_t *out) {
  static const char FFFD[] = "\xef\xbf\xbd";
  size_t i = 0, run = 0;
  while (i < n) {
    size_t len = seq_len(d[i]);
    if (len == 1) {
      i++;
      continue;
    }
    size_t k = 1;
    while (len && k < len && i + k < n && cont_ok(d[i], k, d[i + k])) k++;
    if (len && k == len) {
      i += len;
      continue;
    }
    if (len && i + k == n) {
      buf_add(out, d + run, i - run);
      return n - i;
    }
    /* invalid: the maximal valid prefix (at least the lead) becomes one U+FFFD */
    buf_add(out, d + run, i - run);
    buf_add(out, FFFD, 3);
    i += k ? k : 1;
    run = i;
  }
  buf_add(out, d + run, n - run);
  return 0;
}

void cast_output(cast_t *c, const uint8_t *d, size_t n) {
  static buf_t text, joined;
  text.len = 0;
  size_t keep;
  if (c->carry_len) {
    joined.len = 0;
    buf_add(&joined, c->carry, c->carry_len);
    buf_add(&joined, d, n);
    keep = decode((const uint8_t *)joined.p, joined.len, &text);
    memcpy(c->carry, joined.p + joined.len - keep, keep);
  } else {
    keep = decode(d, n, &text);
    memcpy(c->carry, d + n - keep, keep);
  }
  c->carry_len = keep;
  if (text.len) event(c, 'o', text.p, text.len);
}

void cast_resize(cast_t *c, int cols, int rows) {
  char s[32];
  c->cols = cols;
  c->rows = rows;
  int n = snprintf(s, sizeof s, "%dx%d", cols, rows);
  event(c, 'r', s, (size_t)n);
}

void cast_close(cast_t *c) {
  if (c->carry_len) event(c, 'o', "\xef\xbf\xbd", 3);
  c->carry_len = 0;
  cast_flush(c);
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}
