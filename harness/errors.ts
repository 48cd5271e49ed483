/**
 * A problem with what the user asked for, found before any container starts. `fix` names the
 * one thing to do about it; the message already contains it.
 */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}\n  fix: ${fix}`);
  }
}

/** A poll ran past its deadline. The message says what was awaited, for how long, and what was last seen. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly awaited: string,
    readonly timeoutMs: number,
    readonly lastSeen: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${awaited}; last seen: ${lastSeen}`);
  }
}

/** A command run inside a node's container exited non-zero. */
export class ExecError extends Error {
  override readonly name = 'ExecError';
  constructor(
    readonly node: string,
    readonly command: string,
    readonly exitCode: number,
    readonly output: string,
  ) {
    // Generated passwords travel in conninfo strings: keep them out of reports and logs.
    super(`${node}: \`${command}\` exited ${exitCode}: ${output.trim().slice(-2000)}`.replace(/password=\S+/g, 'password=***'));
  }
}
