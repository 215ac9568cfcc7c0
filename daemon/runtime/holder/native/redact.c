/*
 * Secret redaction on the output stream: every occurrence of a listed value becomes
 * `********` before the output reaches the ring, the recording or the daemon. A value may
 * arrive split across reads, so a tail that could begin one is held back until the next
 * read shows whether it does (or until output has been quiet for a moment).
 */
#include "holder.h"

#include <stdlib.h>
#include <string.h>

static const char MASK[] = "********";

void redact_init(redact_t *r, char **vals, int n) {
  memset(r, 0, sizeof *r);
  r->vals = malloc(sizeof(char *) * (n ? n : 1));
  r->lens = malloc(sizeof(size_t) * (n ? n : 1));
  for (int i = 0; i < n; i++) {
    if (!vals[i][0]) continue; /* an empty value would match everywhere */
    r->vals[r->n] = vals[i];
    r->lens[r->n++] = strlen(vals[i]);
  }
  /* longest first, so a value that contains another is masked whole */
  for (int i = 1; i < r->n; i++)
    for (int j = i; j > 0 && r->lens[j] > r->lens[j - 1]; j--) {
      char *v = r->vals[j];
      size_t l = r->lens[j];
      r->vals[j] = r->vals[j - 1], r->lens[j] = r->lens[j - 1];
      r->vals[j - 1] = v, r->lens[j - 1] = l;
    }
}

/* Masks whole values; unless `final`, stops at a tail that may begin a value and holds it back. */
static void scan(redact_t *r, const uint8_t *d, size_t n, buf_t *out, bool final) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    int whole = -1;
    for (int s = 0; s < r->n; s++) {
      const char *v = r->vals[s];
      size_t len = r->lens[s];
      if ((uint8_t)v[0] != d[i]) continue;
      if (n - i < len) {
        /* a longer value may still complete here: wait for it rather than mask a shorter one */
        if (!final && !memcmp(d + i, v, n - i)) {
          buf_add(out, d + run, i - run);
          buf_add(&r->carry, d + i, n - i);
          return;
        }
        continue;
      }
      if (whole < 0 && !memcmp(d + i, v, len)) whole = s;
    }
    if (whole < 0) continue;
    buf_add(out, d + run, i - run);
    buf_add(out, MASK, sizeof MASK - 1);
    i += r->lens[whole] - 1;
    run = i + 1;
  }
  buf_add(out, d + run, n - run);
}

void redact_push(redact_t *r, const uint8_t *d, size_t n, buf_t *out) {
  if (!r->n) {
    buf_add(out, d, n);
    return;
  }
  if (!r->carry.len) return scan(r, d, n, out, false);
  buf_t joined = r->carry;
  r->carry = (buf_t){0};
  buf_add(&joined, d, n);
  scan(r, (const uint8_t *)joined.p, joined.len, out, false);
  buf_free(&joined);
}

void redact_flush(redact_t *r, buf_t *out) {
  buf_t held = r->carry;
  r->carry = (buf_t){0};
  scan(r, (const uint8_t *)held.p, held.len, out, true);
  buf_free(&held);
}

char *redact_str(redact_t *r, const char *s) {
  buf_t out = {0};
  scan(r, (const uint8_t *)s, strlen(s), &out, true);
  buf_add(&out, "", 1);
  return out.p;
}
