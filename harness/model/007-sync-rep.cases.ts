import { connectWalSender, disconnectWalSender, walSenderOrder } from './sync-model.ts';

/**
 * PostgreSQL's own test of pg_stat_replication.sync_priority / sync_state,
 * src/test/recovery/t/007_sync_rep.pl, as data: the PostgreSQL 15 version of the file
 * (header "Copyright (c) 2021-2022", PostgreSQL::Test::Cluster, 11 checks; PostgreSQL ≤ 14
 * names check 6 'asterisk comes before another standby name', otherwise the same). Expected
 * rows are copied word for word from its `qq(...)` strings.
 *
 * 007 starts a primary, takes a base backup (its walsender is gone before any standby starts),
 * then replays these steps in order. A `check` sets synchronous_standby_names first when it has
 * a `setting` (ALTER SYSTEM SET …; reload) and otherwise keeps the previous one; it then polls
 * `SYNC_REP_007_QUERY` until the output equals `expected`.
 */
export type SyncRep007Step =
  /** Start the standby. `wait`: 007 uses start_standby_and_wait (polls until its walsender is in pg_stat_replication) instead of a plain ->start. */
  | { do: 'start'; standby: string; wait: boolean }
  /** `$node->stop` (fast shutdown): its walsender exits and frees its slot. */
  | { do: 'stop'; standby: string }
  /** test_sync_state($node_primary, expected, message[, setting]). */
  | { do: 'check'; message: string; setting?: string; expected: string };

/** 007's $check_sql, verbatim. */
export const SYNC_REP_007_QUERY = 'SELECT application_name, sync_priority, sync_state FROM pg_stat_replication ORDER BY application_name;';

/** The standbys 007 creates (application_name = node name), all from one base backup of the primary. */
export const SYNC_REP_007_STANDBYS = ['standby1', 'standby2', 'standby3', 'standby4'] as const;

/** Every step of 007_sync_rep.pl (PostgreSQL 15), in order. */
export const SYNC_REP_007_STEPS: readonly SyncRep007Step[] = [
  { do: 'start', standby: 'standby1', wait: true },
  { do: 'start', standby: 'standby2', wait: true },
  { do: 'start', standby: 'standby3', wait: true },
  {
    do: 'check',
    message: 'old syntax of synchronous_standby_names',
    setting: 'standby1,standby2',
    expected: 'standby1|1|sync\nstandby2|2|potential\nstandby3|0|async',
  },
  {
    do: 'check',
    message: 'asterisk in synchronous_standby_names',
    setting: '*',
    expected: 'standby1|1|sync\nstandby2|1|potential\nstandby3|1|potential',
  },
  // "Stop and start standbys to rearrange the order of standbys in WalSnd array."
  { do: 'stop', standby: 'standby1' },
  { do: 'stop', standby: 'standby2' },
  { do: 'stop', standby: 'standby3' },
  { do: 'start', standby: 'standby2', wait: true },
  { do: 'start', standby: 'standby3', wait: true },
  {
    do: 'check',
    message: '2 synchronous standbys',
    setting: '2(standby1,standby2,standby3)',
    expected: 'standby2|2|sync\nstandby3|3|sync',
  },
  { do: 'start', standby: 'standby1', wait: true },
  { do: 'start', standby: 'standby4', wait: false },
  {
    do: 'check',
    message: '2 sync, 1 potential, and 1 async',
    expected: 'standby1|1|sync\nstandby2|2|sync\nstandby3|3|potential\nstandby4|0|async',
  },
  {
    do: 'check',
    message: 'num_sync exceeds the num of potential sync standbys',
    setting: '6(standby4,standby0,standby3,standby2)',
    expected: 'standby1|0|async\nstandby2|4|sync\nstandby3|3|sync\nstandby4|1|sync',
  },
  {
    do: 'check',
    message: 'asterisk before another standby name',
    setting: '2(standby1,*,standby2)',
    expected: 'standby1|1|sync\nstandby2|2|sync\nstandby3|2|potential\nstandby4|2|potential',
  },
  {
    do: 'check',
    message: 'multiple standbys having the same priority are chosen as sync',
    setting: '2(*)',
    expected: 'standby1|1|potential\nstandby2|1|sync\nstandby3|1|sync\nstandby4|1|potential',
  },
  { do: 'stop', standby: 'standby3' },
  {
    do: 'check',
    message: 'potential standby found earlier in array is promoted to sync',
    expected: 'standby1|1|sync\nstandby2|1|sync\nstandby4|1|potential',
  },
  {
    do: 'check',
    message: 'priority-based sync replication specified by FIRST keyword',
    setting: 'FIRST 2(standby1, standby2)',
    expected: 'standby1|1|sync\nstandby2|2|sync\nstandby4|0|async',
  },
  {
    do: 'check',
    message: '2 quorum and 1 async',
    setting: 'ANY 2(standby1, standby2)',
    expected: 'standby1|1|quorum\nstandby2|1|quorum\nstandby4|0|async',
  },
  { do: 'start', standby: 'standby3', wait: false },
  {
    do: 'check',
    message: 'all standbys are considered as candidates for quorum sync standbys',
    setting: 'ANY 2(*)',
    expected: 'standby1|1|quorum\nstandby2|1|quorum\nstandby3|1|quorum\nstandby4|1|quorum',
  },
];

/** One check of 007 with everything needed to evaluate it without replaying the steps. */
export interface SyncRep007Check {
  /** 1-based number among the checks (007's ok() number). */
  n: number;
  message: string;
  /** The setting in force (this check's, or the last one set before it). */
  setting: string;
  /** Connected standbys in walsender slot order at the time of the check. */
  walSenders: string[];
  /** 007's expected psql output, word for word. */
  expected: string;
}

/**
 * Replays the steps on a model of the primary's walsender slots (connectWalSender /
 * disconnectWalSender: a starting standby takes the lowest free slot).
 * @returns one entry per `check` step, in order.
 */
export function syncRep007Checks(steps: readonly SyncRep007Step[] = SYNC_REP_007_STEPS): SyncRep007Check[] {
  let slots: (string | null)[] = [];
  let setting = '';
  const checks: SyncRep007Check[] = [];
  for (const step of steps) {
    if (step.do === 'start') slots = connectWalSender(slots, step.standby);
    else if (step.do === 'stop') slots = disconnectWalSender(slots, step.standby);
    else {
      setting = step.setting ?? setting;
      checks.push({ n: checks.length + 1, message: step.message, setting, walSenders: walSenderOrder(slots), expected: step.expected });
    }
  }
  return checks;
}
