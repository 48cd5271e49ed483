import { describe, expect, it } from 'vitest';
import { compareWithModel, type ObservedWalSender } from './compare.ts';

const row = (
  name: string,
  syncPriority: number,
  syncState: string,
  state = 'streaming',
  flushLsn: string | null = '0/3000060',
): ObservedWalSender => ({ name, state, syncPriority, syncState, flushLsn });

describe('compareWithModel', () => {
  it('finds no difference when the rows are what the model predicts', () => {
    const r = compareWithModel([row('s1', 1, 'sync'), row('s2', 2, 'potential')], { synchronousStandbyNames: 'FIRST 1 (s1, s2)' });
    expect(r.mismatches).toEqual([]);
    expect(r.prediction.syncSet).toEqual(['s1']);
  });
  it('names each differing row with what the primary showed and what the model says', () => {
    const r = compareWithModel([row('s1', 1, 'sync'), row('s2', 1, 'quorum')], { synchronousStandbyNames: 'FIRST 1 (s1, s2)' });
    expect(r.mismatches).toEqual(['s2 (streaming): sync_priority 1, sync_state quorum; model: 2, potential']);
    expect(compareWithModel([row('s1', 0, 'sync')], { synchronousStandbyNames: 'FIRST 1 (s1, s2)' }).mismatches).toHaveLength(1);
  });
  it('passes the state and the missing flush position to the model', () => {
    expect(compareWithModel([row('s1', 1, 'potential', 'catchup')], { synchronousStandbyNames: 'ANY 1 (s1)' }).mismatches).toEqual([]);
    expect(compareWithModel([row('s1', 0, 'async', 'streaming', null)], { synchronousStandbyNames: 'ANY 1 (s1)' }).mismatches).toEqual([]);
    expect(
      compareWithModel([row('s1', 1, 'quorum', 'streaming', null)], { synchronousStandbyNames: 'ANY 1 (s1)' }).mismatches,
    ).toHaveLength(1);
  });
  it('breaks priority ties by the order of the rows (walsender slots)', () => {
    const settings = { synchronousStandbyNames: '2 (*)' };
    expect(compareWithModel([row('s3', 1, 'sync'), row('s1', 1, 'sync'), row('s2', 1, 'potential')], settings).mismatches).toEqual([]);
    expect(compareWithModel([row('s2', 1, 'potential'), row('s1', 1, 'sync'), row('s3', 1, 'sync')], settings).mismatches).toHaveLength(2);
  });
});
