/**
 * The nemesis story's section of the report, as tables: the schedule as played (each fault with
 * the node it hit, when it was in effect and healed, and what it cost), each failover with the
 * LSNs the operator compared and who was out, and the impact per fault kind. Times are seconds on
 * the scenario clock, as on the charts' x axis.
 */
import type { NemesisRecord } from './record.ts';
import { esc } from './kit.ts';

const s1 = (ms: number | undefined | null) => (typeof ms === 'number' ? (ms / 1000).toFixed(1) : '—');
const msText = (ms: number | undefined | null) => (typeof ms === 'number' ? Math.round(ms).toLocaleString('en-US') : '—');

/** The section's HTML; '' when the record has none. */
export function nemesisTables(n: NemesisRecord | undefined): string {
  if (!n) return '';
  return `<div class="nemesis"><h3>Nemesis: seed ${esc(n.seed)}</h3>${faultTable(n)}${failoverTable(n)}${kindTable(n)}${availability(n)}</div>`;
}

/** One row per fault of the schedule, in schedule order, joined with what was played of it. */
function faultTable(n: NemesisRecord): string {
  const played = new Map((n.injected ?? []).map((f, i) => [f.id, { f, impact: n.impacts?.[i] }]));
  const skipped = new Map((n.skipped ?? []).map((f) => [f.id, f.reason]));
  const rows = n.schedule.faults.map((planned) => {
    const p = played.get(planned.id);
    const when = `+${s1(planned.atMs)} s for ${s1(planned.durationMs)} s`;
    if (!p) {
      const why = skipped.get(planned.id);
      const said = why ? `skipped: ${esc(why)}` : n.injected ? 'not reached' : '';
      return `<tr class="muted"><td>#${planned.id}</td><td>${when}</td><td>${esc(planned.kind)}</td><td colspan="6">${said}</td></tr>`;
    }
    const { f, impact } = p;
    const out = f.failed.length ? f.failed.join(', ') : '—';
    return (
      `<tr><td>#${planned.id}</td><td>${when}</td><td><span class="kind">${esc(planned.kind)}</span></td><td>${esc(f.nodes.join(', '))}</td><td>${esc(out)}</td>` +
      `<td>${s1(f.faultT)} / ${s1(f.effectiveT)}</td><td>${f.healT === undefined ? 'never' : s1(f.healT)}</td><td>${msText(impact?.outageMs)}</td><td>${impact ? (impact.recoveryMs === null ? 'not back' : msText(impact.recoveryMs)) : '—'}</td></tr>`
    );
  });
  return (
    `<h4>Faults (${n.injected ? `${n.injected.length} played of ` : ''}${n.schedule.faults.length} planned${n.injected ? '' : '; this record does not list what was played'})</h4><table class="nemesis-faults"><tr><th>fault</th><th>planned</th><th>kind</th><th>hit</th><th>took out</th>` +
    `<th>injection began / in effect (s)</th><th>healed (s)</th><th>commits stopped (ms)</th><th>writes back after heal (ms)</th></tr>${rows.join('')}</table>`
  );
}

/** One row per failover: its timings (and when the writer's commits came back, when recorded), the standbys' LSNs the operator compared, and who was out when it decided. */
function failoverTable(n: NemesisRecord): string {
  const fos = n.failovers ?? [];
  if (!fos.length) return `<h4>Failovers</h4><p class="muted">none</p>`;
  const rows = fos.map((f, i) => {
    const positions = f.positions.map((p) => `${esc(p.name)} ${esc(p.receiveLsn ?? '—')} / ${esc(p.replayLsn ?? '—')}`).join('<br>');
    const out = n.outAtPromotion?.[i];
    return `<tr><td>${i + 1}</td><td>${esc(f.from)} → <b>${esc(f.to)}</b></td><td>${s1(f.detectedT)}</td><td>${s1(f.decidedT)}</td><td>${s1(f.promotedT)}</td><td>${s1(f.writesBackT)}</td><td class="mono">${positions}</td><td>${out ? `${out.length}: ${esc(out.join(', '))}` : '—'}</td></tr>`;
  });
  return (
    `<h4>Failovers</h4><table class="nemesis-failovers"><tr><th>#</th><th>primary</th><th>declared failed (s)</th><th>decided (s)</th><th>promoted (s)</th><th>writes back (s)</th>` +
    `<th>standbys read: receive / replay LSN</th><th>out when decided</th></tr>${rows.join('')}</table>`
  );
}

/** Per fault kind: how many, and the median and largest outage and recovery. */
function kindTable(n: NemesisRecord): string {
  const kinds = n.byKind ?? [];
  if (!kinds.length) return '';
  const rows = kinds.map(
    (k) =>
      `<tr><td><span class="kind">${esc(k.kind)}</span></td><td>${k.faults}</td><td>${msText(k.outageMedianMs)} / ${msText(k.outageMaxMs)}</td><td>${msText(k.recoveryMedianMs)} / ${msText(k.recoveryMaxMs)}</td><td>${k.notRecovered}</td></tr>`,
  );
  return (
    `<h4>Impact per fault kind <span class="muted">(reported, not judged; an upper bound where faults overlap)</span></h4><table class="nemesis-kinds"><tr><th>kind</th><th>faults</th>` +
    `<th>commits stopped, median / max (ms)</th><th>writes back after heal, median / max (ms)</th><th>not back</th></tr>${rows.join('')}</table>`
  );
}

/** The worst write outage once nodes enough to commit were free of faults. */
function availability(n: NemesisRecord): string {
  const a = n.writeAvailability;
  if (!a) return '';
  const w = a.worst;
  const worst = w
    ? `the worst went on ${msText(w.overdueMs)} ms once ${esc(w.freeNodes.join(', '))} could commit (outage ${s1(w.fromT)}–${s1(w.toT)} s)`
    : 'none went on once nodes enough to commit were free of faults';
  return `<p class="muted">Write outages: ${a.outages}, longest ${msText(a.longestOutageMs)} ms; ${worst} (reported, not judged).</p>`;
}
