/**
 * pg_auto_failover 2.0 leaves a standby without PostgreSQL when its postmaster is SIGKILLed while
 * starting (before it wrote `ready` into postmaster.pid): the nemesis's seed 2
 * (docs/findings/2026-12-06-pg-auto-failover-nemesis.md), replayed here deterministically.
 *
 * The mechanism, from 2.0's source: pg_autoctl's postgres controller (`pg_autoctl do service
 * postgres`, service_postgres_ctl.c `service_postgres_ctl_loop`) forks and execs the postmaster
 * (service_postgres.c `service_postgres_start`) and reaps its children with `waitpid` only in its
 * main loop. `service_postgres_start` waits for the new postmaster in `pg_setup_wait_until_is_ready`
 * (pgsetup.c), whose 10 s timeout is checked between calls to `pg_setup_is_ready`; that one loops
 * `while (pm_status != POSTMASTER_STATUS_READY)` with no bound, re-reading postmaster.pid and
 * taking its pid for alive when `kill(pid, 0) == 0` (`get_pgpid`), logging at debug level only. A
 * postmaster SIGKILLed while `starting` leaves its pid file behind and becomes a zombie of the
 * controller, which `kill(pid, 0)` accepts: the controller loops there for ever, the zombie is never
 * reaped, PostgreSQL never started again. Reported upstream as hapostgres/pg_auto_failover#1166,
 * fixed on main by #1173 (`pid_is_alive`: `waitpid(pid, WNOHANG)` first), in no release yet.
 *
 * On a formation with its defaults (pg0 primary, s1 and s2 standbys), each step on a standby:
 *  1. the control: its postmaster SIGKILLed once ready; the controller starts another within
 *     seconds ("PostgreSQL was not running, restarted with pid …", `ensure_postgres_status_running`);
 *  2. the finding: its postmaster SIGKILLed, then the one the controller starts SIGKILLed while
 *     `starting` (held with SIGSTOP while its pid file is read, so the kill lands before `ready`
 *     or the attempt is counted missed and retried): for `OBSERVE_MS` the killed postmaster stays a
 *     zombie under the controller, no postmaster runs, pg_autoctl logs nothing of a restart, and
 *     its keeper, waiting in the same loop (keeper.c `keeper_update_pg_state`), stops reporting to
 *     the monitor, which holds the node unhealthy;
 *  3. the way out: the controller SIGKILLed, the zombie goes to the container's init (reaped),
 *     pg_autoctl's supervisor starts a new controller, which starts PostgreSQL; the standby is a
 *     healthy secondary again.
 * Step 2 asserts 2.0's behaviour: it fails when a pg_auto_failover restarts PostgreSQL there (the
 * fix of #1173 in the image), and says so.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { log } from '../../logger.ts';
import { pollUntil } from '../../wait.ts';
import { LOG_MOUNT } from '../managed-network.ts';
import { PgAutoFailoverCluster } from './cluster.ts';
import { describeView, isSecondary, primaryOf } from './view.ts';

const PIDFILE = '/var/lib/postgresql/data/postmaster.pid';
/** How long the zombie is watched, ms: the nemesis's settle bound is 60 s. */
const OBSERVE_MS = 60_000;
/** pg_autoctl's log line when its controller started PostgreSQL again (service_postgres_ctl.c `ensure_postgres_status_running`). */
const RESTARTED = /PostgreSQL was not running, restarted with pid (\d+)/;

let cluster: PgAutoFailoverCluster;
let standbys: [string, string];

beforeAll(async () => {
  cluster = await PgAutoFailoverCluster.start({ pgMajor: 15 });
  const primary = primaryOf(await cluster.view())!;
  standbys = cluster.nodeNames.filter((n) => n !== primary) as [string, string];
}, 240_000);

afterAll(async () => {
  await cluster?.destroy();
});

/** A node's pg_autoctl log (stdout and stderr of its supervised pg_autoctl), as lines. */
async function agentLog(node: string): Promise<string[]> {
  return (await cluster.node(node).exec(['cat', `${LOG_MOUNT}/${node}.log`])).split('\n');
}

interface Proc {
  pid: number;
  ppid: number;
  stat: string;
  comm: string;
  args: string;
}

/** Every process of a node's host: `ps -eo pid,ppid,stat,comm,args`. */
async function processes(node: string): Promise<Proc[]> {
  const out = await cluster.node(node).exec(['ps', '-eo', 'pid=,ppid=,stat=,comm=,args=']);
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [pid, ppid, stat, comm, ...args] = l.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), stat: stat!, comm: comm!, args: args.join(' ') };
    });
}

/**
 * The monitor's last word from `node`'s pg_autoctl: seconds since its last report
 * (`pgautofailover.node.reporttime`, written by `node_active`, every second while the keeper runs)
 * and its health check (1 healthy, 0 unhealthy).
 */
async function lastReport(node: string): Promise<{ sinceReportS: number; health: number }> {
  const sql = `SELECT round(extract(epoch FROM now() - reporttime)), health FROM pgautofailover.node WHERE nodename = '${node}'`;
  const out = await cluster.monitor.exec(['psql', '-X', '-qAt', '-d', 'pg_auto_failover', '-c', sql], { timeoutMs: 5000 });
  const [since, health] = out.trim().split('|');
  return { sinceReportS: Number(since), health: Number(health) };
}

const livePostgres = (ps: Proc[]) => ps.filter((p) => p.comm === 'postgres' && !p.stat.startsWith('Z'));
const psText = (ps: Proc[]) => ps.map((p) => `${p.pid} ${p.ppid} ${p.stat} ${p.args}`).join('\n');

/** Waits until `node`'s postmaster.pid names a running postmaster whose status is `ready`. @returns its pid. */
async function readyPostmaster(node: string, timeoutMs: number): Promise<number> {
  return pollUntil(
    async () => {
      const pf = await cluster
        .node(node)
        .exec(['cat', PIDFILE])
        .catch(() => '');
      const lines = pf.split('\n');
      const pid = Number(lines[0]);
      const alive = pid > 0 && livePostgres(await processes(node)).some((p) => p.pid === pid);
      return alive && lines[7]?.startsWith('ready') ? { done: true, value: pid } : { done: false, seen: pf.replace(/\n/g, ' | ') };
    },
    { what: `a ready postmaster on ${node}`, timeoutMs, intervalMs: 200 },
  );
}

/**
 * The catch, run inside the node as postgres, in one shell so that no round trip lies between the
 * steps: SIGKILL of the ready postmaster (pg_autoctl then starts another), then a busy poll of
 * postmaster.pid's first line for a new pid; that postmaster is held with SIGSTOP while the status
 * line (line 8) is read: `starting` → SIGKILL (the pid file stays as it was, the status not
 * `ready`); `ready`/`standby` → SIGCONT, missed (exit 3); not written yet → SIGCONT and poll on.
 * Prints `caught <old> <new> <ms from the first kill> [<status>]` and the pid file.
 */
const CATCH = `f=${PIDFILE}
status() { s=; n=0; while IFS= read -r l; do n=$((n+1)); [ "$n" -eq 8 ] && s=$l; done < "$f"; }
{ read -r p0 < "$f"; } || exit 5
status; case "$s" in ready*) ;; *) echo "the postmaster was not ready before the first kill: [$s]"; exit 5;; esac
kill -KILL "$p0"; t0=$(date +%s%N); i=0
while [ $i -lt 3000000 ]; do
  i=$((i+1)); p=
  { read -r p < "$f"; } 2>/dev/null
  { [ -n "$p" ] && [ "$p" != "$p0" ]; } || continue
  kill -STOP "$p" 2>/dev/null || continue
  status; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  case "$s" in
    starting*) kill -KILL "$p"; echo "caught $p0 $p $ms [$s]"; cat "$f"; exit 0;;
    ready*|standby*) kill -CONT "$p"; echo "missed $p0 $p $ms [$s]"; exit 3;;
    *) kill -CONT "$p";;
  esac
done
echo "no new postmaster after the kill of $p0"; exit 4`;

it('control: a standby postmaster SIGKILLed once ready is started again by pg_autoctl within seconds', async () => {
  const node = standbys[0];
  const before = await readyPostmaster(node, 10_000);
  const logFrom = (await agentLog(node)).length;
  const t0 = Date.now();
  await cluster.kill9Postmaster(node);
  const after = await readyPostmaster(node, 30_000);
  const restartMs = Date.now() - t0;
  // The controller logs the restart once its wait for `ready` returns, which can be after the pid
  // file says ready (a fresh-clone run read the log first): wait for the line, not one read.
  const lines = await pollUntil(
    async () => {
      const l = (await agentLog(node)).slice(logFrom - 1);
      return l.some((x) => RESTARTED.test(x)) ? { done: true, value: l } : { done: false, seen: l.join(' | ') };
    },
    { what: `pg_autoctl on ${node} to log that it restarted PostgreSQL`, timeoutMs: 10_000, intervalMs: 200 },
  );
  log().info({ node, before, after, restartMs, log: lines }, 'pg_auto_failover-zombie: control');
  expect(after).not.toBe(before);
  expect(restartMs).toBeLessThan(15_000);
}, 60_000);

it('a standby postmaster SIGKILLed while starting stays a zombie of pg_autoctl, and PostgreSQL is never started again (2.0)', async () => {
  const node = standbys[1];
  await readyPostmaster(node, 10_000);
  const logFrom = (await agentLog(node)).length;
  let caught: { old: number; pid: number; ms: number; status: string; pidFile: string } | undefined;
  const missed: string[] = [];
  for (let attempt = 1; !caught && attempt <= 5; attempt++) {
    const out = await cluster
      .node(node)
      .exec(['sh', '-c', CATCH], { timeoutMs: 30_000 })
      .catch((e: Error) => `missed: ${e.message}`);
    const m = /^caught (\d+) (\d+) (\d+) \[(.*)\]\n([\s\S]*)$/.exec(out);
    if (m) caught = { old: Number(m[1]), pid: Number(m[2]), ms: Number(m[3]), status: m[4]!.trim(), pidFile: m[5]! };
    else {
      missed.push(out.trim());
      await readyPostmaster(node, 30_000);
    }
  }
  log().info({ node, caught, missed }, 'pg_auto_failover-zombie: the kill while starting');
  expect(caught, `no postmaster of ${node} caught while starting in 5 attempts: ${missed.join('; ')}`).toBeDefined();
  const { pid } = caught!;

  const t0 = Date.now();
  const samples: Array<{ atMs: number; zombie: string; live: number; view: string; sinceReportS: number; health: number }> = [];
  let restarted: string | undefined;
  while (Date.now() - t0 < OBSERVE_MS) {
    await new Promise((r) => setTimeout(r, 10_000));
    const ps = await processes(node);
    const z = ps.find((p) => p.pid === pid);
    const parent = ps.find((p) => p.pid === z?.ppid);
    samples.push({
      atMs: Date.now() - t0,
      zombie: z ? `${z.pid} ${z.stat} ${z.args} under ${parent?.pid} ${parent?.args}` : 'gone',
      live: livePostgres(ps).length,
      view: describeView(await cluster.view()),
      ...(await lastReport(node)),
    });
    restarted ??= (await agentLog(node)).slice(logFrom - 1).find((l) => RESTARTED.test(l));
    if (restarted || livePostgres(ps).length > 0) break;
  }
  const ps = await processes(node);
  const lines = (await agentLog(node)).slice(logFrom - 1);
  const viewText = await cluster.viewText();
  const monitor = await lastReport(node);
  log().info({ node, samples, ps: psText(ps), log: lines, view: viewText, monitor }, 'pg_auto_failover-zombie: after the kill');

  const fixed =
    `pg_autoctl started PostgreSQL again on ${node} after its postmaster ${pid} was SIGKILLed while starting: this ` +
    'pg_auto_failover no longer loops on its zombie postmaster (hapostgres/pg_auto_failover#1166, fixed by #1173); ' +
    'update docs/findings/2026-12-06-pg-auto-failover-nemesis.md and this test';
  expect(restarted ?? lines.find((l) => RESTARTED.test(l)), fixed).toBeUndefined();
  expect(livePostgres(ps), fixed).toEqual([]);
  const z = ps.find((p) => p.pid === pid);
  expect(z?.stat, `postmaster ${pid} on ${node}: ${psText(ps)}`).toMatch(/^Z/);
  expect(ps.find((p) => p.pid === z!.ppid)?.args).toMatch(/pg_autoctl: start\/stop postgres/);
  expect(samples.every((s) => s.live === 0 && !s.zombie.startsWith('gone'))).toBe(true);
  // Its keeper (`node active`) waits in the same loop (keeper.c `keeper_update_pg_state` → `pg_setup_is_ready`):
  // it stops reporting, and the monitor's health check of the node fails.
  expect(monitor.health).toBe(0);
  expect(monitor.sinceReportS * 1000).toBeGreaterThan(OBSERVE_MS - 5000);
}, 300_000);

it('the way out: the controller SIGKILLed, its supervisor starts another, which starts PostgreSQL', async () => {
  const node = standbys[1];
  const ps = await processes(node);
  const zombie = ps.find((p) => p.comm === 'postgres' && p.stat.startsWith('Z'));
  expect(zombie, `no zombie postmaster on ${node} (the test before left none):\n${psText(ps)}`).toBeDefined();
  const controller = ps.find((p) => p.pid === zombie!.ppid)!;
  const logFrom = (await agentLog(node)).length;
  const t0 = Date.now();
  await cluster.node(node).exec(['kill', '-KILL', String(controller.pid)]);
  const pid = await readyPostmaster(node, 60_000);
  const readyMs = Date.now() - t0;
  const view = await pollUntil(
    async () => {
      const v = await cluster.view();
      const n = v.nodes.find((x) => x.name === node);
      return n && isSecondary(n) ? { done: true, value: describeView(v) } : { done: false, seen: describeView(v) };
    },
    { what: `${node} a healthy secondary again`, timeoutMs: 90_000, intervalMs: 500 },
  );
  const secondaryMs = Date.now() - t0;
  const after = await processes(node);
  log().info(
    {
      node,
      controller: controller.pid,
      pid,
      readyMs,
      secondaryMs,
      view,
      ps: psText(after),
      log: (await agentLog(node)).slice(logFrom - 1),
    },
    'pg_auto_failover-zombie: the way out',
  );
  expect(after.find((p) => p.pid === zombie!.pid)).toBeUndefined();
}, 180_000);
