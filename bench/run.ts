/**
 * `npm run bench`: cost, time to detect (and the fast-check confirmation study), probe overhead, one
 * shard invocation of 500 checks, a soak, the synth of a 1,000-check fleet, and Lambda cold start,
 * printed as a table and written to bench/results.json. Loopback only, bounded loops, stops by itself
 * in a few minutes. Measured figures are ratios or differences against baselines measured in the same
 * run; nothing here asserts a wall-clock limit (the goals are printed next to the numbers).
 *
 *   npm run bench              the full run; writes bench/results.json
 *   npm run bench -- --quick   fewer samples, prints only (for trying changes)
 *   npm run bench -- --only quorum   only the locations / quorum study; rewrites its key of bench/results.json
 *   npm run bench -- --only timeToPage   only the time to page through the incident pipeline; rewrites its key
 *   npm run bench -- --only coldStart    only the runner's cold start; rewrites initMs and bundleBytes
 *
 * This entry only dispatches: the main run and the measuring children (this same script with
 * `--child <mode>`) each load their own modules on demand, so a child measuring RSS carries the
 * runner's modules, not the benchmark's (the cost model, the evaluator, the recorder, aws-cdk-lib).
 */

async function child(mode: string): Promise<void> {
  const [name, count] = mode.split(':');
  const n = Number(count);
  const { reportToParent, runnerChild, soakChild } = await import('./scale');
  if (name === 'runner') await reportToParent(await runnerChild(n));
  else if (name === 'soak') await reportToParent(await soakChild(n, 200));
  else throw new Error(`unknown child mode ${mode}`);
}

const args = process.argv.slice(2);
const childAt = args.indexOf('--child');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const run =
  childAt >= 0
    ? child(args[childAt + 1] ?? '')
    : only !== undefined
      ? import('./main').then(({ mainOnly }) => mainOnly(only, args.includes('--quick')))
      : import('./main').then(({ main }) => main(args.includes('--quick')));
run.then(
  // Exit explicitly: a benchmark must stop by itself even if something it loaded keeps a handle.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
