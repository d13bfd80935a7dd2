/**
 * The full conformance run (`npm run test:conformance`, docs/CONFORMANCE.md): the core set plus
 * CONFORMANCE_CASES generated cases (default 200) from CONFORMANCE_SEED (default 1), each judged by
 * synthmon and Chromium. A disagreement that is not a kept difference (./known.ts) fails, as does
 * any break of the property; the table of the report is printed at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { browserMissing, launchBrowser, type Browser } from './browser';
import { CLASSES, CORE_CASES, generateCases, type BehaviourClass } from './cases';
import { judge } from './judge';
import { knownDifference } from './known';

const SEED = Number(process.env.CONFORMANCE_SEED ?? 1);
const COUNT = Number(process.env.CONFORMANCE_CASES ?? 200);
const CASES = [...CORE_CASES, ...generateCases(SEED, COUNT)];

let pki: TestPki;
let browser: Browser;
const tally = new Map<BehaviourClass, { cases: number; agree: number; kept: number }>(CLASSES.map((c) => [c, { cases: 0, agree: 0, kept: 0 }]));

beforeAll(async () => {
  const missing = browserMissing();
  if (missing) throw new Error(`the conformance run needs Chromium: ${missing}`);
  pki = makeTestPki();
  browser = await launchBrowser(pki.ca);
});
afterAll(async () => {
  await browser?.close();
  const rows = [...tally].map(([cls, t]) => `| ${cls} | ${t.cases} | ${t.agree} | ${t.kept} |`);
  console.info(
    `seed ${SEED}, ${CASES.length} cases\n| behaviour class | cases | synthmon = Chromium | kept different |\n|---|---|---|---|\n${rows.join('\n')}`,
  );
});

describe(`synthmon and Chromium on ${CASES.length} behaviours (seed ${SEED})`, () => {
  it.each(CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const j = await judge(c, pki, browser);
    const t = tally.get(c.cls)!;
    t.cases++;
    if (j.synthmon === j.chromium) t.agree++;
    const differs = j.synthmon !== j.chromium;
    if (differs) t.kept++;
    expect(j.problems).toEqual([]);
    const unexplained =
      differs && !knownDifference(c)
        ? `synthmon ${j.synthmon}, Chromium ${j.chromium}: not a kept difference (test/conformance/known.ts)`
        : undefined;
    expect(unexplained).toBeUndefined();
  });
});
