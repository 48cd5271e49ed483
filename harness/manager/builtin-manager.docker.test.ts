/**
 * The built-in manager on the seam (manager.ts), on a real cluster: its view says who is primary
 * and how each standby streams; a planned switchover by its own procedure (write-up 000 §11) moves
 * the primary with the operator running, without the operator taking the stopped primary for a
 * failed one; the cluster settles after it with no failover made.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import { pollUntil } from '../wait.ts';
import { BuiltinManager, type OperatorLog } from './builtin.ts';

let manager: BuiltinManager;
const clock = new Clock();
const moves: string[] = [];
const rec: OperatorLog = { clock, step: () => clock.now(), move: (what) => (moves.push(what), clock.now()) };

beforeAll(async () => {
  manager = await BuiltinManager.start({}, rec);
  await manager.cluster.primary.safePsql('CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g');
  await manager.cluster.catchUpAll({ timeoutMs: 30_000 });
}, 180_000);

afterAll(async () => {
  await manager?.stop();
  await manager?.cluster.destroy();
});

it('views the cluster, switches over to s1 by its own procedure with the operator running, and settles', async () => {
  const before = await manager.view();
  expect(before.error).toBeUndefined();
  expect(before.primary).toBe('primary');
  expect(before.rows.map((r) => [r.node, r.role])).toEqual([
    ['primary', 'primary'],
    ['s1', 'standby'],
    ['s2', 'standby'],
  ]);
  expect(before.rows[1]!.state).toMatch(/^standby streaming (quorum|sync|potential)$/);
  expect(before.raw).toContain('built-in operator: primary primary');

  manager.start();
  const sw = await manager.switchover('s1');
  expect(sw).toMatchObject({ from: 'primary', to: 's1' });
  expect(sw.doneT).toBeGreaterThan(sw.startedT);
  await pollUntil(
    async () => ((await manager.settled().catch(() => false)) ? { done: true, value: true } : { done: false, seen: moves.join('; ') }),
    {
      what: 'every standby streaming from s1 after the switchover',
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
  const after = await manager.view();
  expect(after.primary).toBe('s1');
  expect(after.rows.map((r) => [r.node, r.role])).toEqual([
    ['s1', 'primary'],
    ['primary', 'standby'],
    ['s2', 'standby'],
  ]);
  // A planned switchover is no failover: the stopped primary was never declared failed and fenced.
  expect(manager.failovers).toEqual([]);
  expect(moves.filter((m) => m.startsWith('fence'))).toEqual([]);
  expect(await manager.cluster.node('s1').safePsql('SELECT count(*) FROM t')).toBe('1000');
  await expect(manager.switchover('s1')).rejects.toThrow(/already the primary/);
}, 180_000);
