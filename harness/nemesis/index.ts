/**
 * pgchaos/nemesis: seeded fault schedules drawn from the catalogue's kinds, validated, played
 * against a cluster (each fault injected and healed through the catalogue) and shrunk to the
 * smallest schedule that still fails the same way.
 */
export { injectFault, type InjectedFault } from './catalogue.ts';
export {
  checkManagedKinds,
  injectManagedFault,
  MANAGED_FAULT_KINDS,
  type ManagedCluster,
  type ManagerAgent,
  managedKinds,
} from './managed.ts';
export {
  DEFAULT_FAULT_KINDS,
  DEFAULT_RECOVERY_MS,
  defaultLimits,
  MANAGED_DEFAULT_KINDS,
  managedDefaultKinds,
  MANAGED_NODE_OUT_KINDS,
  managedLimits,
} from './defaults.ts';
export { builtinFaults, type FaultSide, managedFaults } from './fault-side.ts';
export { Nemesis, type PlayedSchedule } from './runner.ts';
export { describeSchedule } from './schedule/describe.ts';
export { generateSchedule, type ScheduleLimits } from './schedule/generate.ts';
export { shrinkSchedule, type ShrinkResult } from './schedule/shrink.ts';
export { validateSchedule } from './schedule/validate.ts';
export { FAULT_KINDS, MANAGER_FAULT_KINDS, type Fault, type FaultKind, type Schedule, type ScheduledFault } from '../history/fault.ts';
