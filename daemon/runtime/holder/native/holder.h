/*
 * swarm-holder: the native PTY holder (one small process per runtime). It speaks the frame
 * protocol of ../frames.ts to the daemon and writes recordings in the format of ../recorder.ts.
 * Shared declarations of its parts: growable buffers, the ring, the recorder, the redactor.
 */
#ifndef SWARM_HOLDER_H
#define SWARM_HOLDER_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. */
typedef struct {
  char *p;
  size_t len, cap;
} buf_t;

void buf_add(buf_t *b, const void *d, size_t n);
void buf_adds(buf_t *b, const char *s);
void buf_addf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_drop(buf_t *b, size_t n);
void buf_free(buf_t *b);
/* Appends `s` (valid UTF-8) as a JSON string literal, escaped the way JSON.stringify does. */
void buf_json_str(buf_t *b, const char *s, size_t n);

int64_t mono_ms(void);
int64_t wall_ms(void);
/* `2026-12-03T12:39:25.123Z`, like Date.prototype.toISOString */
void iso_time(char out[64], int64_t ms);
void hlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void holder_log_path(const char *dir);

/* Recent output, capped at `limit` bytes, plus the private modes seen so far (ring.c). */
typedef struct {
  uint8_t *data;
  size_t cap, size, start, limit;
  bool trimmed;
  signed char modes[16];
  int mstate;
  char mparam[32];
  size_t mlen;
} ring_t;

void ring_init(ring_t *r, size_t limit);
void ring_push(ring_t *r, const uint8_t *d, size_t n);
/* What rebuilds the screen: the modes in force when trimmed, then the output from its first line break. */
void ring_replay(const ring_t *r, buf_t *out);

/* The asciicast v2 recorder (cast.c). */
typedef struct {
  char *dir;
  char *command;
  int fd;
  size_t bytes, max_bytes, header_bytes;
  int keep, cols, rows;
  int64_t start_wall, start_mono, flush_at;
  buf_t pending;
  uint8_t carry[4];
  size_t carry_len;
} cast_t;

int cast_open(cast_t *c, const char *dir, size_t max_bytes, int keep, int cols, int rows, const char *command);
void cast_output(cast_t *c, const uint8_t *d, size_t n);
void cast_resize(cast_t *c, int cols, int rows);
void cast_flush(cast_t *c);
void cast_close(cast_t *c);

/* Secret redaction across chunk boundaries (redact.c). */
typedef struct {
  char **vals;
  size_t *lens;
  int n;
  buf_t carry;
} redact_t;

void redact_init(redact_t *r, char **vals, int n);
/* Appends `d` with every secret replaced to `out`; a tail that may begin a secret is held back. */
void redact_push(redact_t *r, const uint8_t *d, size_t n, buf_t *out);
/* Emits the held-back tail as it is (no more output is coming soon). */
void redact_flush(redact_t *r, buf_t *out);
/* A copy of `s` with every value masked (for the command line in logs and the recording header). */
char *redact_str(redact_t *r, const char *s);

#endif
