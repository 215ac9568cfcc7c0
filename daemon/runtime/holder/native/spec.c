/*
 * The spawn spec, read from stdin (never from disk: the environment may carry secrets).
 * The daemon writes it as `key=value` records each ended by a NUL (no value can hold a NUL:
 * argv, environment and paths cannot); `arg`, `env` and `redact` repeat, in order.
 * See encodeNativeSpec in ../frames.ts.
 */
#include "spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void push(char ***list, int *n, char *v) {
  char **p = realloc(*list, sizeof(char *) * (size_t)(*n + 2));
  if (!p) abort();
  p[(*n)++] = v;
  p[*n] = NULL;
  *list = p;
}

static long num(const char *key, const char *v, long lo, long hi) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || *end || end == v || n < lo || n > hi) {
    fprintf(stderr, "swarm-holder: spec field %s=%s is not a number in [%ld, %ld]\n", key, v, lo, hi);
    exit(2);
  }
  return n;
}

static void field(spec_t *s, char *key, char *v) {
  if (!strcmp(key, "id")) s->id = v;
  else if (!strcmp(key, "socket")) s->socket = v;
  else if (!strcmp(key, "dir")) s->dir = v;
  else if (!strcmp(key, "cwd")) s->cwd = v;
  else if (!strcmp(key, "command_line")) s->command_line = v;
  else if (!strcmp(key, "cols")) s->cols = (int)num(key, v, 1, 65535);
  else if (!strcmp(key, "rows")) s->rows = (int)num(key, v, 1, 65535);
  else if (!strcmp(key, "ring_bytes")) s->ring_bytes = (size_t)num(key, v, 1, 1L << 40);
  else if (!strcmp(key, "high_watermark")) s->high = (size_t)num(key, v, 1, 1L << 40);
  else if (!strcmp(key, "low_watermark")) s->low = (size_t)num(key, v, 0, 1L << 40);
  else if (!strcmp(key, "rec_dir")) s->rec_dir = v;
  else if (!strcmp(key, "rec_max_bytes")) s->rec_max = (size_t)num(key, v, 1, 1L << 50);
  else if (!strcmp(key, "rec_keep")) s->rec_keep = (int)num(key, v, 1, 1000);
  else if (!strcmp(key, "arg")) push(&s->argv, &s->argc, v);
  else if (!strcmp(key, "env")) push(&s->env, &s->envc, v);
  else if (!strcmp(key, "redact")) push(&s->redact, &s->redc, v);
  /* unknown keys are ignored: a newer daemon may say more than this holder needs */
}

void spec_read(spec_t *s, int fd) {
  memset(s, 0, sizeof *s);
  size_t len = 0, cap = 65536;
  char *data = malloc(cap);
  for (;;) {
    if (len == cap && !(data = realloc(data, cap *= 2))) abort();
    ssize_t r = read(fd, data + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
  }
  for (size_t i = 0; i < len;) {
    char *rec = data + i;
    size_t n = strnlen(rec, len - i);
    if (i + n == len) break; /* an unterminated last record: the pipe was cut */
    rec[n] = 0;
    char *eq = strchr(rec, '=');
    if (eq) {
      *eq = 0;
      field(s, rec, eq + 1);
    }
    i += n + 1;
  }
  if (!s->id || !s->socket || !s->dir || !s->cwd || !s->argc || !s->cols || !s->rows || !s->ring_bytes || !s->high) {
    fprintf(stderr, "swarm-holder: incomplete spec on stdin (need id, socket, dir, cwd, arg, cols, rows, ring_bytes, high_watermark)\n");
    exit(2);
  }
  if (!s->env) push(&s->env, &s->envc, NULL), s->envc = 0;
  if (!s->command_line) s->command_line = s->argv[0];
}
