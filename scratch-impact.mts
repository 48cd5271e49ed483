import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { faultImpacts, impactByKind, type FaultImpact } from './harness/nemesis/impact.ts';
const dir = process.argv[2]!;
const all: FaultImpact[] = [];
for (const f of readdirSync(join(dir, 'scenarios')).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(join(dir, 'scenarios', f), 'utf8'));
  const ev = r.events as { kind: string; t: number; what: string }[];
  const faults = ev.filter((e) => e.kind === 'fault').map((e) => ({ what: e.what, faultT: e.t, healT: ev.find((h) => h.t >= e.t && h.what === `heal ${e.what}`)?.t }));
  all.push(...faultImpacts(r.writer.samples, faults, r.metrics.steadyTps));
}
console.log('| kind | faults | outage median / max (ms) | writes back after the heal, median / max (ms) | not back |');
console.log('|---|---|---|---|---|');
for (const k of impactByKind(all).sort((a, b) => b.outageMaxMs - a.outageMaxMs)) console.log(`| ${k.kind} | ${k.faults} | ${k.outageMedianMs} / ${k.outageMaxMs} | ${k.recoveryMedianMs ?? '—'} / ${k.recoveryMaxMs ?? '—'} | ${k.notRecovered} |`);
