import { execaSync } from 'execa';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../paths.ts';
import { rerunCommand } from './context.ts';

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
