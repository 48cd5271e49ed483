import { describe, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import type { DurabilityPromise } from '../model/durability.ts';
import type { OperatorLog } from './builtin.ts';
import { ManagerShell, type ShellCluster, type ViewRead } from './manager-shell.ts';
import type { ClientEndpoint, SwitchoverRecord } from './manager.ts';

/** A view as small as the shell needs: the primary, or a read that fails. */
type View = { primary: string } | 'unreadable';

/** A cluster of pg0, s1 whose view is whatever `now` holds. */
class FakeCluster implements ShellCluster<View> {
  now: View = { primary: 'pg0' };
  destroyed = false;
  readonly nodeNames = ['pg0', 's1'];
  nodeConnectionConfig(node: string) {
    return { host: '127.0.0.1', port: node === 'pg0' ? 5432 : 5433 };
  }
  async view(): Promise<View> {
    if (this.now === 'unreadable') throw new Error('no answer');
    return this.now;
  }
  node(name: string) {
    return { address: async () => (name === 'pg0' ? '10.0.0.2' : '10.0.0.3') };
  }
  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}

/** Records a failover whenever the view's primary changes; everything else a stub. */
class Shell extends ManagerShell<FakeCluster, View> {
  readonly name = 'repmgr' as const;
  seen: (View | undefined)[] = [];
  private last = 'pg0';
  constructor(cluster: FakeCluster, rec: OperatorLog) {
    super(cluster, rec, 5, 'fake cluster');
  }
  setSwitching(on: boolean): void {
    this.switching = on;
  }
  backendAt(address: string): Promise<string | undefined> {
    return this.nodeAt(address);
  }
  protected async observe(t: number, view: View | undefined): Promise<void> {
    this.seen.push(view);
    if (view === undefined || view === 'unreadable' || view.primary === this.last) return;
    this.recordFailover({ detectedT: t, decidedT: t, promotedT: t, from: this.last, to: view.primary, positions: [] }, 'changed', '');
    this.last = view.primary;
  }
  protected async readView(): Promise<ViewRead> {
    const v = await this.cluster.view();
    return { primary: v === 'unreadable' ? null : v.primary, rows: [], raw: JSON.stringify(v) };
  }
  clients(): ClientEndpoint {
    throw new Error('not used');
  }
  async settled(): Promise<boolean> {
    return true;
  }
  async switchover(): Promise<SwitchoverRecord> {
    throw new Error('not used');
  }
  promise(): DurabilityPromise {
    throw new Error('not used');
  }
  describe(): never {
    throw new Error('not used');
  }
}

const clock = new Clock();
const steps: string[] = [];
const rec: OperatorLog = { clock, step: (what) => (steps.push(what), clock.now()), move: () => clock.now() };
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ManagerShell', () => {
  it('names its nodes, reaches each directly, and refuses a node it does not have', () => {
    const m = new Shell(new FakeCluster(), rec);
    expect(m.nodeNames).toEqual(['pg0', 's1']);
    expect(m.node('s1').name).toBe('s1');
    expect(() => m.node('s9')).toThrow('s9 is no node of this fake cluster (pg0, s1)');
  });

  it('follows the view from start() to stop(): a failover recorded, an unreadable view passed on as undefined, nothing while switching', async () => {
    const c = new FakeCluster();
    const m = new Shell(c, rec);
    m.start();
    await settle(20);
    c.now = 'unreadable';
    await settle(20);
    expect(m.seen).toContain(undefined);
    m.setSwitching(true);
    c.now = { primary: 's1' };
    const before = m.seen.length;
    await settle(20);
    expect(m.seen.length).toBe(before);
    m.setSwitching(false);
    await settle(20);
    await m.stop();
    expect(m.failovers.map((f) => [f.from, f.to])).toEqual([['pg0', 's1']]);
    const stopped = m.seen.length;
    await settle(20);
    expect(m.seen.length).toBe(stopped);
  });

  it('view(): the read with the time, or an error and no rows when it cannot be read', async () => {
    const c = new FakeCluster();
    const m = new Shell(c, rec);
    expect(await m.view()).toMatchObject({ primary: 'pg0', rows: [], raw: '{"primary":"pg0"}' });
    c.now = 'unreadable';
    const v = await m.view();
    expect(v).toMatchObject({ primary: null, rows: [], raw: '', error: 'no answer' });
    expect(typeof v.t).toBe('number');
  });

  it('names the backend at an address, and destroy() stops the loop and removes the cluster', async () => {
    const c = new FakeCluster();
    const m = new Shell(c, rec);
    expect(await m.backendAt('10.0.0.3')).toBe('s1');
    expect(await m.backendAt('10.0.0.9')).toBeUndefined();
    m.start();
    await m.destroy();
    expect(c.destroyed).toBe(true);
  });
});
