/**
 * The fixed conformance set (docs/CONFORMANCE.md): every core behaviour judged by synthmon's probe
 * and by headless Chromium. A disagreement that is not a kept difference (./known.ts) fails, and
 * so does a kept difference that no longer disagrees; the property (never `error`, the deadline,
 * no connection left open, the phase named) is checked on every case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { browserMissing, launchBrowser, type Browser } from './browser';
import { CORE_CASES } from './cases';
import { judge } from './judge';
import { knownDifference } from './known';

let pki: TestPki;
let browser: Browser;

beforeAll(async () => {
  const missing = browserMissing();
  if (missing) throw new Error(`the conformance set needs Chromium: ${missing}`);
  pki = makeTestPki();
  browser = await launchBrowser(pki.ca);
});
afterAll(async () => {
  await browser?.close();
});

describe('synthmon judges every core behaviour as Chromium does, or as docs/CONFORMANCE.md says why not', () => {
  it('has unique ids', () => {
    expect(new Set(CORE_CASES.map((c) => c.id)).size).toBe(CORE_CASES.length);
  });

  it.each(CORE_CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const j = await judge(c, pki, browser);
    expect(j.problems).toEqual([]);
    const known = knownDifference(c);
    expect({ synthmon: j.synthmon, chromium: j.chromium, agree: j.synthmon === j.chromium }).toEqual({
      synthmon: j.synthmon,
      chromium: j.chromium,
      agree: known === undefined,
    });
  });
});
