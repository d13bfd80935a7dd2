/** Cold start: the runner bundle from the synthesized MonitorStack of config/default.json. */
import type { ColdStartResult } from '../cold-start';
import type { BenchSection } from '../context';
import { ROOT } from '../context';
import { fmt, log, pad } from '../print';
import { round } from '../stats';

/** The cold-start figures bench/results.json keeps (the full run and `--only coldStart` alike). */
export function coldStartResults(cold: ColdStartResult): { initMs: Record<string, number>; bundleBytes: Record<string, number> } {
  return {
    initMs: Object.fromEntries(cold.functions.map((f) => [f.name, round(f.deployed.initMs, 1)])),
    // The whole deployed code (index.js + lazy chunks), not just what init compiles.
    bundleBytes: Object.fromEntries(cold.functions.map((f) => [f.name, f.assetJsBytes])),
  };
}

export const coldStartSection: BenchSection<'coldStart', ColdStartResult> = {
  key: 'coldStart',
  heading: 'cold start (the runner bundle from the synthesized MonitorStack of config/default.json)',
  async run({ config, quick }) {
    // Loaded only here: aws-cdk-lib is heavy, and the scale children (this same script) must not carry it.
    const { measureColdStart } = await import('../cold-start');
    const cold: ColdStartResult = await measureColdStart(config, { projectRoot: ROOT, runs: quick ? 5 : 15, moduleRuns: quick ? 3 : 10 });
    log(`synth ${fmt(cold.synthMs / 1000, 1)} s; empty Node ${cold.nodeVersion} process ${fmt(cold.emptyProcessMs, 1)} ms (median of ${cold.runs})`);
    for (const f of cold.functions) {
      log(
        `${pad(f.name, 16)} ${fmt(f.bundleBytes / 1024, 0)} KiB (+ ${fmt(f.sourceMapBytes / 1024, 0)} KiB map); NODE_OPTIONS="${f.nodeOptions}": ` +
          `init ${fmt(f.deployed.initMs, 1)} ms (require ${fmt(f.deployed.requireMs, 1)} ms, CPU ${fmt(f.deployed.requireCpuMs, 1)} ms); ` +
          `without: init ${fmt(f.withoutNodeOptions.initMs, 1)} ms (CPU ${fmt(f.withoutNodeOptions.requireCpuMs, 1)} ms)`,
      );
    }
    log('each dependency bundled alone (minified CJS), require CPU / wall ms:');
    for (const m of cold.modules)
      log(
        `  ${pad(m.module, 34)} ${fmt(m.bytes / 1024, 0).padStart(5)} KiB  CPU ${fmt(m.requireCpuMs, 1).padStart(6)}  wall ${fmt(m.requireMs, 1).padStart(6)}`,
      );
    // Not init, but paid once per container by the first invocation: shown so the moved cost stays visible.
    log('first invocation: lazy chunks required after index.js, in load order, require CPU / wall ms (median):');
    for (const f of cold.functions) {
      const lazy = f.firstInvocation;
      log(`  ${pad(f.name, 16)} total CPU ${fmt(lazy.totalCpuMs, 1)} ms, wall ${fmt(lazy.totalMs, 1)} ms`);
      for (const c of lazy.chunks)
        log(
          `    ${pad(c.file, 52)} ${fmt(c.bytes / 1024, 0).padStart(5)} KiB  CPU ${fmt(c.requireCpuMs, 1).padStart(6)}  wall ${fmt(c.requireMs, 1).padStart(6)}`,
        );
    }
    log(
      `index.js bytes by package: ${cold.bytesByPackage
        .slice(0, 8)
        .map((p) => `${p.pkg} ${fmt(p.bytes / 1024, 0)} KiB`)
        .join(', ')}`,
    );
    return cold;
  },
  results: coldStartResults,
};
