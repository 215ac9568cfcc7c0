/**
 * Protocol version spoken on the socket. Bump MAJOR for breaking changes (a client and a
 * daemon with different majors refuse each other with an upgrade hint); bump MINOR for
 * additive changes, which stay compatible both ways (R-P6).
 */
export const PROTOCOL_VERSION = { major: 1, minor: 0 } as const;
export const PROTOCOL_VERSION_STRING = `${PROTOCOL_VERSION.major}.${PROTOCOL_VERSION.minor}`;

/** Version of the shape of events and messages; carried on every one of them (R-P6). */
export const SCHEMA_VERSION = 1;

/** Package version; kept in sync with package.json by a test. */
export const SWARM_VERSION = "0.1.0";

/** Largest single newline-delimited frame either side accepts, in bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
