import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

let logger: Logger | undefined;

/**
 * The process's pino logger. JSON lines go to `<PGCHAOS_RUN_DIR>/pgchaos.log` when a run
 * folder is set; the messages alone go to stderr, like a pgbench session (level
 * `PGCHAOS_LOG_LEVEL`, default `info`; `silent` turns it off).
 */
export function log(): Logger {
  if (logger) return logger;
  const level = process.env.PGCHAOS_LOG_LEVEL ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (level !== 'silent') {
    const terminal = pretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY,
      ignore: 'pid,hostname',
      hideObject: true,
      translateTime: 'HH:MM:ss.l',
    });
    streams.push({ level: level as pino.Level, stream: terminal });
  }
  const runDir = process.env.PGCHAOS_RUN_DIR;
  if (runDir) {
    mkdirSync(runDir, { recursive: true });
    streams.push({ level: 'debug', stream: pino.destination({ dest: join(runDir, 'pgchaos.log'), sync: true, append: true }) });
  }
  logger = pino({ level: 'debug', base: { pid: process.pid } }, pino.multistream(streams));
  return logger;
}
