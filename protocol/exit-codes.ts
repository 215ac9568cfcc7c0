/**
 * Exit statuses of swarm's helper processes (the VM multiplexer, proxy and PTY client, the
 * sandbox's proxy forwarder) and its scripts. swarmctl's exit codes are ERROR_KINDS in
 * errors.ts; swarmd's are its own table in daemon/main.ts.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  /** wrong arguments (the helper was started wrongly: a bug in its caller) */
  usage: 2,
  /** shell convention: the command exists but cannot be executed */
  cannotExecute: 126,
  /** shell convention: no such command */
  commandNotFound: 127,
  /** shell convention: 128 + N when the command was killed by signal N */
  signalBase: 128,
  /** pty-client: the VM connection ended before the command's exit status arrived */
  connectionLost: 255,
} as const;

/** The shell's status for a command that ended by a signal (128 + its number; SIGKILL's when unknown). */
export function signalExitCode(signalNumber: number | undefined): number {
  return EXIT.signalBase + (signalNumber ?? 9);
}
