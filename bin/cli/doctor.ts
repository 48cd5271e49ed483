/**
 * `pgchaos doctor [--remove]`: what this machine lacks for a run and the command that fixes
 * each, and what crashed runs left on the engine (removed with --remove).
 */
import { execa } from 'execa';
import { relative } from 'node:path';
import { resolveImage } from '../../harness/db/image.ts';
import { sweepTemplates, TEMPLATE_LABEL } from '../../harness/db/template.ts';
import { WAL_MOUNT } from '../../harness/db/wal-mount.ts';
import {
  docker,
  listObjects,
  localSweepContext,
  noEngine,
  ownership,
  removeObjects,
  WAL_KEEPER_LABEL,
  type PgchaosObject,
} from '../../harness/docker.ts';
import { ConfigError } from '../../harness/errors.ts';
import { ENGINE_SCRIPT } from '../../harness/paths.ts';
import { configWarnings, loadUserConfig, type UserConfig } from '../../harness/run/config.ts';
import { reportsDir } from '../../harness/run-id.ts';
import { parseStrict, UsageError } from './args.ts';
import { DOCTOR_HELP } from './help.ts';
import { prepareReportsDir } from './run.ts';

/**
 * `pgchaos doctor [--remove]`: Node, engine, image and the leftovers of crashed runs on the
 * engine (with `--remove`, removes them), each problem with the command that fixes it.
 * @returns 0 when ready, 2 when something needs fixing. @throws UsageError for unknown options.
 */
export async function doctor(argv: string[]): Promise<number> {
  const { values } = parseStrict(
    argv,
    { help: { type: 'boolean', short: 'h' }, remove: { type: 'boolean' }, config: { type: 'string' } },
    'doctor',
  );
  if (values.help) {
    process.stdout.write(`${DOCTOR_HELP}\n`);
    return 0;
  }
  const problems: Array<{ problem: string; fix: string }> = [];
  const ok = (s: string) => process.stdout.write(`ok: ${s}\n`);
  const fail = (e: { problem: string; fix: string }) => problems.push(e);

  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major < 20 || (major === 20 && minor < 19))
    fail({ problem: `Node ${process.versions.node} is too old`, fix: 'install Node 20.19+ or 22+' });
  else ok(`Node ${process.versions.node}`);

  let config: UserConfig | undefined;
  try {
    config = loadUserConfig({ cwd: process.cwd(), ...(values.config ? { file: values.config as string } : {}) });
    ok(
      `config: ${config.source === 'defaults' ? 'none (the defaults: ANY 1 (s1, s2) on PostgreSQL 15)' : relative(process.cwd(), config.source)}`,
    );
    // Legal but wrong (commits that wait forever): what `pgchaos run` warns about, not a reason to refuse.
    for (const w of configWarnings(config)) process.stdout.write(`warning: ${w}\n`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    fail(e);
  }

  try {
    prepareReportsDir(reportsDir(), process.cwd());
    ok(`reports go to ${relative(process.cwd(), reportsDir()) || '.'}/`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    fail(e);
  }

  // The engine: one `docker info` (DOCKER_HOST honoured), never docker/engine.sh's wait.
  const info = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 10_000 });
  if (info.exitCode !== 0) {
    const e = noEngine(String(info.stderr || info.shortMessage || ''));
    fail(
      process.env.DOCKER_HOST
        ? e
        : {
            problem: e.problem,
            fix: `pgchaos run starts the local engine itself (as root on Debian it installs docker.io); by hand: bash ${ENGINE_SCRIPT}`,
          },
    );
  } else {
    ok(`Docker engine ${info.stdout.trim()}${process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : ''}`);
    await docker();
    if (config) {
      const m = config.pg[0]!;
      await resolveImage(m, { build: false, pull: false, ...(config.images[m] ? { image: config.images[m] } : {}) }).then(
        (img) => ok(`image ${img.name} (${img.kind})`),
        (e: unknown) => {
          if (!(e instanceof ConfigError)) throw e;
          fail({
            problem: e.problem,
            fix: /is missing$/.test(e.problem) ? `pgchaos image ${m}   (or just pgchaos run: it builds it first, about a minute)` : e.fix,
          });
        },
      );
    }
    await leftovers(values.remove === true);
    await leftoverTemplates(values.remove === true);
    if (values.remove === true) {
      // Template images of ended runs (faster clusters, harness/db/template.ts), once their containers are gone: same ownership rule.
      const images = await sweepTemplates();
      if (images) process.stdout.write(`removed ${images} template images of ended runs\n`);
    }
  }

  for (const p of problems) process.stdout.write(`problem: ${p.problem}\n  fix: ${p.fix}\n`);
  if (!problems.length) process.stdout.write('ready: pgchaos run\n');
  return problems.length ? 2 : 0;
}

/** Lists the objects of pgchaos runs on the engine, by run, and removes the leftovers when asked. */
async function leftovers(remove: boolean): Promise<void> {
  const objects = await listObjects();
  const byRun = new Map<string, PgchaosObject[]>();
  for (const o of objects) byRun.set(o.run, [...(byRun.get(o.run) ?? []), o]);
  const stale = objects.filter((o) => o.ownership.sweep);
  if (!objects.length) {
    process.stdout.write('ok: no containers, networks or volumes of pgchaos runs on the engine\n');
    return;
  }
  for (const [run, objs] of byRun) {
    const o = objs[0]!;
    const n = (kind: PgchaosObject['kind']) => objs.filter((x) => x.kind === kind).length;
    const label = { live: 'running', crashed: 'LEFT BY A CRASHED RUN', foreign: "another host's", expired: 'LEFT BEHIND (lease over)' }[
      o.ownership.state
    ];
    const volumes = n('volume') ? `, ${n('volume')} volumes` : '';
    process.stdout.write(`run ${run}: ${n('container')} containers, ${n('network')} networks${volumes} — ${label}: ${o.ownership.why}\n`);
    for (const k of objs.filter((x) => x.kind === 'container' && WAL_KEEPER_LABEL in x.labels))
      process.stdout.write(`  ${await walTmpfs(k)}\n`);
  }
  if (!stale.length) return;
  if (remove) {
    const r = await removeObjects(stale);
    process.stdout.write(`removed ${r.containers} containers, ${r.networks} networks and ${r.volumes} volumes left by crashed runs\n`);
  } else {
    process.stdout.write(`${stale.length} leftovers of crashed runs: pgchaos doctor --remove removes them (every run start also does)\n`);
  }
}

/**
 * What a WAL keeper (db/wal-mount.ts, the `wal-full` fault) pins: its tmpfs lives in the engine's
 * memory, not in any container's, so `docker stats` does not show it. Used bytes from `df` inside
 * the keeper when it runs; the cap from the volume's mount options.
 */
async function walTmpfs(keeper: PgchaosObject): Promise<string> {
  const d = await docker();
  const info = await d
    .getContainer(keeper.id)
    .inspect()
    .catch(() => undefined);
  const volume = info?.Mounts.find((m) => m.Destination === WAL_MOUNT)?.Name;
  const options = volume
    ? ((
        await d
          .getVolume(volume)
          .inspect()
          .catch(() => undefined)
      )?.Options ?? {})
    : {};
  const cap = /size=(\d+)m/.exec(options.o ?? '')?.[1];
  let used = 'its use unknown (the keeper is stopped)';
  if (info?.State.Running) {
    const df = await execa('docker', ['exec', keeper.id, 'df', '-k', WAL_MOUNT], { reject: false, timeout: 10_000 });
    const kb = Number(df.stdout.split('\n')[1]?.trim().split(/\s+/)[2]);
    if (Number.isFinite(kb)) used = `${(kb / 1024).toFixed(1)} MB used`;
  }
  const node = keeper.labels[WAL_KEEPER_LABEL];
  return `WAL tmpfs of node ${node} (${keeper.name}): ${used}${cap ? ` of ${cap} MB` : ''}, held in the engine's memory (docker stats does not show it)`;
}

/**
 * Lists the template images (db/template.ts) whose run ended (a library user's run, a crash):
 * each with its size. `--remove` removes them afterwards (sweepTemplates).
 */
async function leftoverTemplates(remove: boolean): Promise<void> {
  const ctx = localSweepContext();
  const images = await (await docker()).listImages({ filters: { label: [TEMPLATE_LABEL] } });
  const stale = images.filter((i) => ownership(i.Labels ?? {}, i.Created * 1000, ctx).sweep);
  for (const i of stale) {
    const name = (i.RepoTags ?? [])[0] ?? i.Id;
    process.stdout.write(
      `template image ${name}: ${(i.Size / 1e6).toFixed(0)} MB — its run ended: ${ownership(i.Labels ?? {}, i.Created * 1000, ctx).why}\n`,
    );
  }
  if (stale.length && !remove)
    process.stdout.write(
      `${stale.length} template images of ended runs: pgchaos doctor --remove removes them (every cluster start also does)\n`,
    );
}
