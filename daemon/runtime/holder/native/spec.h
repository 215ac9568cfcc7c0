/* The holder's spawn spec (spec.c). */
#ifndef SWARM_HOLDER_SPEC_H
#define SWARM_HOLDER_SPEC_H

#include "holder.h"

typedef struct {
  char *id, *socket, *dir, *cwd, *command_line;
  int cols, rows;
  size_t ring_bytes, high, low;
  char *rec_dir; /* NULL: no recording */
  size_t rec_max;
  int rec_keep;
  char **argv, **env, **redact;
  int argc, envc, redc;
} spec_t;

void spec_read(spec_t *s, int fd);

#endif
