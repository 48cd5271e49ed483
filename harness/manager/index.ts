/**
 * pgchaos/manager: the defenders, which make a cluster's moves while the nemesis attacks it.
 * Today the built-in operator (the write-ups' failover procedure, unattended).
 */
export { Operator, type OperatorOptions } from './builtin.ts';
export type { FailoverRecord } from '../history/failover.ts';
