import { execaSync } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../paths.ts';
import { loadUserConfig } from './config.ts';
import { rerunCommand, shownConfig } from './context.ts';

test('the rerun command names the file, the major and the test by a literal, anchored pattern', () => {
  const cmd = rerunCommand('scenarios/quorum-standby-loss.test.ts', 'quorum commit: lose both standbys (stall), recover', 13, [], '/tmp');
  expect(cmd).toBe(
    "npx pgchaos run scenarios/quorum-standby-loss.test.ts --pg 13 -- -t '^quorum commit: lose both standbys \\(stall\\), recover \\[pg13\\]$'",
  );
});

test("inside pgchaos's own repository the rerun command goes through npm run chaos", () => {
  expect(rerunCommand('scenarios/a.test.ts', 'a', 15, [], PACKAGE_ROOT)).toMatch(/^npm run chaos -- scenarios\/a.test.ts --pg 15 -- -t /);
});

test('a name with a single quote survives the shell', () => {
  const cmd = rerunCommand('scenarios/a.test.ts', "primary's loss", 15, [], '/tmp');
  const pattern = execaSync('sh', ['-c', `for a in ${cmd.replace(/^npx pgchaos run /, '')}; do last=$a; done; printf %s "$last"`]).stdout;
  expect(pattern).toBe("^primary's loss \\[pg15\\]$");
  expect(new RegExp(pattern).test("primary's loss [pg15]")).toBe(true);
});

test('the run header names the patroni.yml and shows its content, every password redacted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgchaos-shown-'));
  writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'patroni', patroniConfig: 'patroni.yml' }));
  writeFileSync(
    join(dir, 'patroni.yml'),
    "bootstrap:\n  dcs:\n    synchronous_mode: true\n  users:\n    app:\n      password: 'hunter2-secret'\n",
  );
  const shown = shownConfig(loadUserConfig({ cwd: dir }));
  expect(JSON.stringify(shown)).not.toContain('hunter2-secret');
  expect(shown.patroniConfig).toEqual({
    file: join(dir, 'patroni.yml'),
    content: 'bootstrap:\n  dcs:\n    synchronous_mode: true\n  users:\n    app:\n      password: "[redacted]"\n',
  });
  expect(shownConfig(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'patroni' } })).patroniConfig).toEqual({
    file: null,
    content: '',
  });
  expect(shownConfig(loadUserConfig({ cwd: tmpdir(), overrides: {} }))).not.toHaveProperty('patroniConfig');
  rmSync(dir, { recursive: true });
});
