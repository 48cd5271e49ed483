/**
 * The heal of a killed postmaster under a manager that never starts a stopped server (repmgr,
 * pgpool-II): before the host's service manager starts PostgreSQL again, it clears what the
 * killed postmaster left behind. One script for both clusters' `healKilledPostmaster`.
 */

/**
 * The shell that clears what a SIGKILLed postmaster leaves behind before the heal starts PostgreSQL
 * again, as a host's service manager does before it restarts a unit whose main process died: it
 * stops the unit's remaining processes, the final signal SIGKILL (systemd.kill(5), `KillMode`),
 * and starts the unit only then. The postmaster's children outlive it until each notices its
 * death; the boot's rule "start PostgreSQL when no `postgres` process runs" (repmgr/cluster.ts and pgpool/cluster.ts `bootScript`) then
 * saw them and started nothing, leaving the node without PostgreSQL for good (a heal 0.56 s after
 * the kill under load, seed 2 of the recommended config, run 20261207-012801-2204). So: nothing
 * when the pid in `dataDir`/postmaster.pid is a live (not zombie) `proc`, a postmaster someone
 * started again; else wait up to `waitS` seconds for every `proc` to exit by itself, SIGKILL any
 * left, and wait up to 5 s for them to be gone. `proc` is the process name (`pgrep -x`), a
 * parameter for the tests only. Exits 0 in every case: the boot that follows decides.
 */
export function reapKilledPostmasterScript(dataDir: string, proc = 'postgres', waitS = 10): string {
  const gone = (tenths: number) => `i=0; while pgrep -x ${proc} >/dev/null && [ $i -lt ${tenths} ]; do sleep 0.1; i=$((i+1)); done`;
  return (
    `pm=$(head -1 ${dataDir}/postmaster.pid 2>/dev/null); ` +
    `if [ -n "$pm" ] && [ "$(cat /proc/$pm/comm 2>/dev/null)" = ${proc} ] && ! grep -q '^State:[[:space:]]*Z' /proc/$pm/status 2>/dev/null; then exit 0; fi; ` +
    `${gone(waitS * 10)}; pkill -KILL -x ${proc}; ${gone(50)}; exit 0`
  );
}
