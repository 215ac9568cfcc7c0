/*
 * The holder's memory of recent output (as ../ring.ts): at most `limit` bytes, grown as
 * output arrives so an idle runtime costs little, then circular. It also follows the
 * private modes set so far (alternate screen, bracketed paste, mouse…), so a replay can
 * set them again when the sequence that set them has left the ring.
 */
#include "holder.h"

#include <stdlib.h>
#include <string.h>

/* Tracked modes; those switched on in a fresh terminal are marked. */
static const int MODES[] = {1, 25, 47, 1047, 1049, 2004, 1000, 1002, 1003, 1006};
static const bool DEFAULT_ON[] = {false, true, false, false, false, false, false, false, false, false};
#define NMODES (sizeof MODES / sizeof MODES[0])

void ring_init(ring_t *r, size_t limit) {
  memset(r, 0, sizeof *r);
  r->limit = limit ? limit : 1;
  for (size_t i = 0; i < NMODES; i++) r->modes[i] = -1;
}

static void set_mode(ring_t *r, long n, bool on) {
  for (size_t i = 0; i < NMODES; i++)
    if (MODES[i] == n) r->modes[i] = on;
}

/* A small scanner for CSI ? Pm h / l that survives sequences split across reads. */
static void track_modes(ring_t *r, const uint8_t *d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t ch = d[i];
    switch (r->mstate) {
      case 0:
        if (ch == 0x1b) r->mstate = 1;
        break;
      case 1:
        r->mstate = ch == '[' ? 2 : ch == 0x1b ? 1 : 0;
        break;
      case 2:
        r->mstate = ch == '?' ? 3 : ch == 0x1b ? 1 : 0;
        r->mlen = 0;
        break;
      default:
        if ((ch >= '0' && ch <= '9') || ch == ';') {
          if (r->mlen < sizeof r->mparam - 1) r->mparam[r->mlen++] = (char)ch;
          else r->mstate = 0;
          break;
        }
        if ((ch == 'h' || ch == 'l') && r->mlen) {
          r->mparam[r->mlen] = 0;
          for (char *p = r->mparam; *p;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end != p) set_mode(r, v, ch == 'h');
            p = *end == ';' ? end + 1 : end + (*end != 0);
          }
        }
        r->mstate = ch == 0x1b ? 1 : 0;
    }
  }
}

void ring_push(ring_t *r, const uint8_t *d, size_t n) {
  track_modes(r, d, n);
  if (n >= r->limit) {
    /* one push larger than the ring: keep its tail */
    if (r->cap < r->limit) {
      uint8_t *p = realloc(r->data, r->limit);
      if (!p) abort();
      r->data = p;
      r->cap = r->limit;
    }
    memcpy(r->data, d + n - r->limit, r->limit);
    r->start = 0;
    r->size = r->limit;
    r->trimmed = true;
    return;
  }
  if (r->size + n > r->cap && r->cap < r->limit) {
    /* still linear (start is 0 until the ring is full): grow */
    size_t cap = r->cap ? r->cap : 16384;
    while (cap < r->size + n && cap < r->limit) cap *= 2;
    if (cap > r->limit) cap = r->limit;
    uint8_t *p = realloc(r->data, cap);
    if (!p) abort();
    r->data = p;
    r->cap = cap;
  }
  for (size_t off = 0; off < n;) {
    size_t end = (r->start + r->size) % r->cap;
    size_t room = r->cap - end;
    size_t k = n - off < room ? n - off : room;
    memcpy(r->data + end, d + off, k);
    off += k;
    r->size += k;
    if (r->size > r->cap) {
      size_t over = r->size - r->cap;
      r->start = (r->start + over) % r->cap;
      r->size = r->cap;
      r->trimmed = true;
    }
  }
}

static uint8_t at(const ring_t *r, size_t i) { return r->data[(r->start + i) % r->cap]; }

void ring_replay(const ring_t *r, buf_t *out) {
  size_t from = 0;
  if (r->trimmed) {
    /* The alternate screen goes first so later modes apply to the screen it selects. */
    static const int ALT[] = {1049, 1047, 47};
    for (size_t a = 0; a < 3; a++)
      for (size_t i = 0; i < NMODES; i++)
        if (MODES[i] == ALT[a] && r->modes[i] == 1) buf_addf(out, "\x1b[?%dh", MODES[i]);
    for (size_t i = 0; i < NMODES; i++) {
      if (MODES[i] == 1049 || MODES[i] == 1047 || MODES[i] == 47 || r->modes[i] < 0) continue;
      if ((r->modes[i] == 1) != DEFAULT_ON[i]) buf_addf(out, "\x1b[?%d%c", MODES[i], r->modes[i] ? 'h' : 'l');
    }
    /* never start inside an escape sequence: from the first line break */
    for (size_t i = 0; i < r->size; i++)
      if (at(r, i) == '\n') {
        from = i + 1;
        break;
      }
  }
  if (!r->size) return;
  size_t first = (r->start + from) % r->cap;
  size_t count = r->size - from;
  size_t k = r->cap - first < count ? r->cap - first : count;
  buf_add(out, r->data + first, k);
  buf_add(out, r->data, count - k);
}
