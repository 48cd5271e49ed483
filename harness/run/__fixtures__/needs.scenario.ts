// Run by needs.test.ts: the image lacks pg_rewind, so the first story is skipped and the second runs.
import { scenario } from '../scenario.ts';

scenario(
  'needs pg_rewind',
  async () => {
    throw new Error('this story ran although its image lacks pg_rewind');
  },
  { needs: ['pg_rewind'] },
);

scenario('needs nothing more', async ({ rec }) => {
  rec.step('ran');
});
