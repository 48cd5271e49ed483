/**
 * The Patroni config the managed stories run on when the user gives no patroni.yml (each story's
 * ScenarioOptions `patroni.config`): what Patroni's docs recommend against losing acknowledged
 * commits, with timings short enough that a failover fits a story.
 * - `synchronous_mode` + `synchronous_mode_strict` (replication_modes.rst): commits wait for the
 *   standby Patroni names in `/sync`, only it may be promoted, and writes block rather than go on
 *   alone when no standby is left;
 * - `use_pg_rewind`: a deposed leader rejoins by pg_rewind instead of waiting to be reinitialised;
 * - `ttl` 10, `loop_wait` 2, `retry_timeout` 4: the fault tests' timings (manager/patroni/
 *   faults.docker.test.ts); Patroni's rule `loop_wait + 2 × retry_timeout <= ttl` holds.
 */
import type { PatroniUserConfig } from '../../harness/manager/index.ts';

export const STRICT_PATRONI: PatroniUserConfig = {
  bootstrap: {
    dcs: {
      ttl: 10,
      loop_wait: 2,
      retry_timeout: 4,
      synchronous_mode: true,
      synchronous_mode_strict: true,
      postgresql: { use_pg_rewind: true },
    },
  },
};
