/**
 * What every benchmark section reads, and the shape of a section: the table of sections is
 * bench/sections/index.ts.
 */
import { resolve } from 'node:path';
import type { MonitorConfig } from '../contracts/config';

/** The repository (this file sits one level down, in bench/ as in dist/bench.js). */
export const ROOT = resolve(__dirname, '..');

/** config/default.json as written, for variants of it. */
export type RawConfig = { checks: Array<Record<string, unknown>> } & Record<string, unknown>;

/** What a section reads: the run's options, the seed configuration, and what earlier sections found. */
export interface BenchContext {
  /** Fewer samples; nothing is written. */
  readonly quick: boolean;
  /** config/default.json, validated. */
  readonly config: MonitorConfig;
  readonly raw: RawConfig;
  /** What the sections before this one returned, by key. */
  readonly found: Readonly<Record<string, unknown>>;
}

/** One part of the benchmark: a heading, a run that prints its lines, and what it found under `key`. */
export interface BenchSection<K extends string, R> {
  /** Its key in what the run found (bench/sections/index.ts types them all). */
  readonly key: K;
  /** Printed as `== heading ==` before it runs; a section that prints several headings of its own has none. */
  readonly heading?: string;
  run(ctx: BenchContext): Promise<R> | R;
  /**
   * The keys of bench/results.json its figures are kept under, from what it found (`--only <key>`
   * rewrites just these; the full run keeps the same keys). @default - its own key, holding all it found
   */
  readonly results?: (found: R) => Readonly<Record<string, unknown>>;
}
