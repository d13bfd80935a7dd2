/**
 * The cold-start bench's synthesis (bench/cold-start.ts synthesizeBundles) on the real synthesized
 * MonitorStack of config/default.json: it finds the runner's bundle and only that one. The home stack
 * also deploys the backstop notifier (lib/backstop.ts), which runs on alarm transitions, not on a
 * probe's path; before it was skipped, `npm run bench` stopped on it ("has no SYNTHMON_LOCATION").
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesizeBundles } from '../../bench/cold-start';
import { parseConfig } from '../../contracts/config';

const root = join(__dirname, '..', '..');
const outdir = mkdtempSync(join(tmpdir(), 'synthmon-coldstart-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the cold-start bench', () => {
  it('measures the runner of the default stack, not the backstop notifier beside it', () => {
    const config = parseConfig(JSON.parse(readFileSync(join(root, 'config', 'default.json'), 'utf8')), 'config/default.json');
    const bundles = synthesizeBundles(config, root, outdir);
    expect(bundles.map((b) => b.name)).toEqual(['runner-default']);
    const [runner] = bundles;
    expect(existsSync(join(runner!.assetDir, 'index.js'))).toBe(true);
    expect(existsSync(join(runner!.assetDir, 'backstop.js'))).toBe(false);
    expect(runner!.bundleBytes).toBeGreaterThan(1000);
    // The default stack has an incident table: the first invocation loads the engine's chunk.
    expect(runner!.lazySpecifiers).toContain('./incidents');
  }, 120_000);
});
