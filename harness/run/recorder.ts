import type { Verdict } from '../checks/verdict.ts';
import { Clock } from '../clock.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';
import { describeFault, type Fault } from '../history/fault.ts';
import type { ManagerRecord } from '../history/manager.ts';
import { isKnownMetric } from '../report/metrics.ts';
import {
  isMetricValue,
  type LossMatrixRecord,
  type MetricDeclaration,
  type MetricValue,
  type NemesisRecord,
  type NodeAtEnd,
  type PromotionRecord,
  type ScenarioEvent,
} from '../report/record.ts';

/**
 * A scenario's event log, metrics and verdicts on one clock. Faults and moves are also
 * logged as they happen, so a live run reads like the write-ups.
 */
export class Recorder {
  readonly clock = new Clock();
  readonly events: ScenarioEvent[] = [];
  readonly metrics: Record<string, MetricValue> = {};
  /** What the scenario declared about metrics of its own (unit, which way is worse), by name. */
  readonly metricInfo: Record<string, MetricDeclaration> = {};
  /** Undeclared metrics of the scenario's own already warned about (once per name). */
  private readonly warned = new Set<string>();
  readonly verdicts: Verdict[] = [];
  /** The nemesis story's typed section (its schedule first, the rest as the story reaches it); undefined elsewhere. */
  nemesis?: NemesisRecord;
  /** Each node at the story's end (run/steps.ts `verifyConsistent` fills it). */
  nodesAtEnd?: NodeAtEnd[];
  /** The promotion the story made: the standbys' receive LSNs and the new timeline's history file. */
  promotion?: PromotionRecord;
  /** Up to 10 acknowledged batches lost, as `client:seq` (a story that loses writes on purpose). */
  lostSample?: string[];
  /** The standby-loss matrix story's config and steps. */
  lossMatrix?: LossMatrixRecord;
  /** The HA manager the story ran through ScenarioContext.startManager: its name, config and views. */
  manager?: ManagerRecord;
  /** Called with the time of each fault and move as it is recorded (the scenario runner reads the manager's view then). */
  onFaultOrMove?: (t: number) => void;
  /** Called with each verdict as it is kept (the scenario runner attaches it to the JUnit testcase). */
  onVerdict?: (v: Verdict) => void;
  /** Called with each metric as it is set. */
  onMetric?: (name: string, value: MetricValue) => void;

  constructor(
    readonly name: string,
    readonly file: string,
  ) {}

  /**
   * Records an injected fault, as the catalogue does (nemesis/catalogue.ts `injectFault`: a story
   * injects through `ScenarioContext.inject`, never by recording a sentence). `o.at`: when its
   * injection began (an injection that takes time, like filling pg_wal, is recorded once done,
   * from its start); `o.inEffectFrom`: when it was done and the fault in effect (a silent crash
   * drops traffic first and kills ~0.9 s later): a bound on what the fault causes is measured from there.
   * @returns its time (`o.at`), the key its heal names.
   */
  fault(fault: Fault, o: { nodes: string[]; at: number; inEffectFrom: number; detail?: Record<string, unknown> }): number {
    const t = this.event('fault', describeFault(fault), o.detail, o.at, { fault, nodes: o.nodes, inEffectFrom: o.inEffectFrom });
    this.onFaultOrMove?.(t);
    return t;
  }

  /** Records a topology move or repair (start, promote, rewind, repoint); returns its time. */
  move(what: string, detail?: Record<string, unknown>): number {
    const t = this.event('move', what, detail);
    this.onFaultOrMove?.(t);
    return t;
  }

  /**
   * Records the move that heals the fault recorded at `faultT` (its return value), begun at
   * `o.at` (default now): the fault becomes the interval [faultT, that time] that the report shades.
   * @returns the time of the move.
   * @throws Error when no open fault was recorded at `faultT`.
   */
  heal(faultT: number, what: string, o: { at?: number; detail?: Record<string, unknown> } = {}): number {
    const fault = this.openFault(faultT, what);
    const t = this.event('move', what, o.detail, o.at);
    fault.until = t;
    fault.healedBy = what;
    this.onFaultOrMove?.(t);
    return t;
  }

  /** Records that the fault recorded at `faultT` stays in effect to the end of the story, and why. @throws Error when no open fault was recorded then. */
  lastsToEnd(faultT: number, why: string): void {
    this.openFault(faultT, why).lastsToEnd = why;
  }

  private openFault(faultT: number, what: string): ScenarioEvent {
    const fault = this.events.find((e) => e.kind === 'fault' && e.t === faultT && e.until === undefined && e.lastsToEnd === undefined);
    if (!fault) throw new Error(`no open fault recorded at t = ${faultT} ms to end with "${what}"`);
    return fault;
  }

  /** Records a step worth a line in the report; returns its time. */
  step(what: string, detail?: Record<string, unknown>): number {
    return this.event('step', what, detail);
  }

  /**
   * Sets a metric for summary.json: one scalar (`MetricValue`: a number in its unit, a boolean, a
   * short text such as a node name or an LSN, or null). A metric of the scenario's own (not in
   * harness/report/metrics.ts) declares its unit and which way is worse, so the report shows the
   * unit and `pgchaos compare` judges it: `rec.metric('queueDrainMs', 840, { unit: 'ms', better: 'lower' })`.
   * An undeclared one is recorded and shown without a unit, and compare lists its changes without
   * judging them (a warning says so once, here).
   * @throws ConfigError when `value` is not a scalar (an object, an array, a function, undefined):
   *   tables and lists belong in a typed section of the record or in a step's detail.
   */
  metric(name: string, value: MetricValue, info?: MetricDeclaration): void {
    if (!isMetricValue(value)) {
      const what =
        value === undefined
          ? 'undefined'
          : Array.isArray(value)
            ? 'an array'
            : typeof value === 'object'
              ? 'an object'
              : `a ${typeof value}`;
      throw new ConfigError(
        `metric "${name}" is ${what}; a metric holds one number, boolean, text or null`,
        `record each figure as a metric of its own (rec.metric('queueDrainMs', 840, { unit: 'ms', better: 'lower' })), and a table or list in a step's detail: rec.step('${name}', { ... })`,
      );
    }
    this.metrics[name] = value;
    if (info) this.metricInfo[name] = { ...info };
    else if (!isKnownMetric(name) && !Object.hasOwn(this.metricInfo, name) && !this.warned.has(name)) {
      this.warned.add(name);
      log().warn(
        { scenario: this.name, metric: name },
        `metric ${name} has no unit: the report shows it bare and compare does not judge it; declare it: rec.metric('${name}', value, { unit, better })`,
      );
    }
    this.onMetric?.(name, value);
  }

  /** Keeps a verdict for the report and returns it. */
  verdict<E>(v: Verdict<E>): Verdict<E> {
    this.verdicts.push(v);
    this.onVerdict?.(v);
    log()[v.status === 'passed' ? 'info' : 'error'](`${v.status.toUpperCase()} ${v.check}: ${v.summary}`);
    return v;
  }

  /** Adds an event at `t` (default now), with `extra` fields, keeping `events` in time order. */
  private event(
    kind: ScenarioEvent['kind'],
    what: string,
    detail?: Record<string, unknown>,
    t = this.clock.now(),
    extra: Pick<ScenarioEvent, 'fault' | 'nodes' | 'inEffectFrom'> = {},
  ): number {
    const at = this.events.findLastIndex((e) => e.t <= t) + 1;
    this.events.splice(at, 0, { t, kind, what, ...extra, ...(detail ? { detail } : {}) });
    log().info({ scenario: this.name, t: Math.round(t) }, `${kind}: ${what}`);
    return t;
  }
}
