/**
 * pgchaos/manager: the defenders, which make a cluster's moves while the nemesis attacks it, each
 * on one seam (`HaManager`, manager.ts). Today the built-in operator (the write-ups' failover
 * procedure, unattended) as `BuiltinManager`, Patroni as `PatroniManager` (the managed stories
 * start it with ScenarioContext.startManaged), and pg_auto_failover as `PgAutoFailoverManager`
 * (started the same way, with config `pgAutoFailover`: its stories and the managed nemesis run under it);
 * repmgr as `RepmgrManager` (startManaged under `--manager repmgr`); pgpool-II as `PgpoolManager`
 * (startManaged under `--manager pgpool`).
 */
export { BuiltinManager, Operator, type OperatorOptions } from './builtin.ts';
export { PatroniManager, type PatroniManagerOptions } from './patroni-manager.ts';
export type { PatroniDcsSettings, PatroniUserConfig } from './patroni/config.ts';
export { PgAutoFailoverManager, type PgAutoFailoverManagerOptions } from './pg-auto-failover-manager.ts';
export { RepmgrManager, type RepmgrManagerOptions } from './repmgr-manager.ts';
export { PgpoolManager, type PgpoolManagerOptions } from './pgpool-manager.ts';
export { viewTable, type ClientEndpoint, type HaManager, type SwitchoverRecord } from './manager.ts';
export type { FailoverRecord } from '../history/failover.ts';
export type { ManagerName, ManagerRecord, ManagerView, ManagerViewRow } from '../history/manager.ts';
