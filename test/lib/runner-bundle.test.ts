/**
 * The prebuilt runner bundle's checks (lib/runner-bundle.ts, docs/DESIGN.md#packaging), on bundle
 * directories made here: a missing or half-built bundle stops the synth naming what is missing, a
 * bundle older than its sources in a checkout stops it naming the changed files, and an installed
 * package (no sources beside it) is used as packed. Plus the stamp the build wrote for dist/runner.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  packagedPath,
  readRunnerBundleStamp,
  RUNNER_BUNDLE_DIR,
  RUNNER_BUNDLE_FILES,
  RUNNER_BUNDLE_STAMP,
  runnerBundleDir,
  sha256,
  type RunnerBundleStamp,
} from '../../lib/runner-bundle';

const scratch = mkdtempSync(join(tmpdir(), 'synthmon-runner-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A complete bundle directory whose stamp lists `sources` with these contents. */
function fakeBundle(name: string, sources: Record<string, string>): string {
  const dir = join(scratch, name, 'dist', 'runner');
  for (const file of RUNNER_BUNDLE_FILES) {
    mkdirSync(dirname(join(dir, packagedPath(file))), { recursive: true });
    writeFileSync(join(dir, packagedPath(file)), '// bundled\n');
  }
  const stamp: RunnerBundleStamp = {
    version: '0.0.0',
    sha256: 'x',
    sources: Object.fromEntries(Object.entries(sources).map(([f, text]) => [f, sha256(text)])),
  };
  writeFileSync(join(dir, RUNNER_BUNDLE_STAMP), JSON.stringify(stamp));
  return dir;
}

describe('the runner bundle', () => {
  it('refuses an incomplete bundle, naming the missing files and the command that builds it', () => {
    const dir = fakeBundle('incomplete', {});
    rmSync(join(dir, 'probes'), { recursive: true });
    expect(() => runnerBundleDir(dir)).toThrow(
      /runner bundle is incomplete in .*incomplete.* \(missing probes\/websocket\.js, probes\/http\.js\): run `npm run build`/,
    );
  });

  it('refuses, in a checkout, a bundle older than a source it was built from, and names the file', () => {
    const dir = fakeBundle('checkout', { 'lambda/handler.ts': 'export const a = 1;\n', 'contracts/kinds.ts': 'export {};\n' });
    const root = join(scratch, 'checkout');
    mkdirSync(join(root, 'lambda'), { recursive: true });
    mkdirSync(join(root, 'contracts'), { recursive: true });
    writeFileSync(join(root, 'lambda', 'handler.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'contracts', 'kinds.ts'), 'export {};\n');
    expect(readRunnerBundleStamp(dir, root).version).toBe('0.0.0');
    writeFileSync(join(root, 'lambda', 'handler.ts'), 'export const a = 2;\n');
    expect(() => readRunnerBundleStamp(dir, root)).toThrow(
      /runner bundle in .* is older than its sources \(lambda\/handler\.ts changed\): run `npm run build`/,
    );
  });

  it('uses the bundle as packed where its sources are not shipped (an installed package)', () => {
    const dir = fakeBundle('installed', { 'lambda/handler.ts': 'export const a = 1;\n' });
    expect(readRunnerBundleStamp(dir, join(scratch, 'installed')).sources).toHaveProperty(['lambda/handler.ts']);
  });

  it('was built from the current sources here: its stamp lists the handler, every probe and the contracts they use, and no package', () => {
    const stamp = readRunnerBundleStamp();
    const sources = Object.keys(stamp.sources);
    expect(sources).toEqual(
      expect.arrayContaining(['lambda/handler.ts', 'lambda/probes/http.ts', 'lambda/probes/websocket.ts', 'contracts/kinds.ts']),
    );
    expect(sources.filter((f) => f.includes('node_modules') || f.startsWith('/'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(RUNNER_BUNDLE_DIR, RUNNER_BUNDLE_STAMP), 'utf8'))).toEqual(stamp);
  });
});
