// A story whose first verdict fails, run by harness/run/scenario.test.ts: the checks after it
// must still run and be recorded, and the story must fail with every failing verdict named.
import { scenario } from '../../scenario.ts';

const verdict = (check: string, status: 'passed' | 'failed' | 'unknown', summary: string) => ({
  id: check.replace(/ /g, '-'),
  check,
  status,
  summary,
  evidence: {},
});

scenario('a failed promise, then the checks after it', async ({ rec, verify }) => {
  verify(verdict('no promised acknowledged commit lost', 'failed', '1095 of 9000 acknowledged batches lost'));
  rec.metric('ackedBatches', 9000);
  verify(verdict('row hashes agree', 'passed', 'equal on 3 nodes'));
  rec.metric('hashesEqual', true);
  verify(verdict('one primary at a time', 'unknown', 'no acknowledged batch'));
});
