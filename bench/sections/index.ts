/**
 * The benchmark's sections, in the order they run and print. A new section is a file here exporting
 * a BenchSection (its key, heading and run), one line in this table, and — if it is kept — its
 * figures in bench/main.ts's `Results` (results.json) and summary rows.
 */
import { coldStartSection } from './cold-start';
import { confirmationSection } from './confirmation';
import { costSection } from './cost';
import { detectSection } from './detect';
import { quorumSection } from './quorum';
import { runtimeSection } from './runtime';
import { scaleSection } from './synth';
import { timeToPageSection } from './time-to-page';

export const BENCH_SECTIONS = [
  costSection,
  detectSection,
  quorumSection,
  timeToPageSection,
  confirmationSection,
  runtimeSection,
  scaleSection,
  coldStartSection,
] as const;

type Section = (typeof BENCH_SECTIONS)[number];

/** What every section found, by its key. */
export type Found = { readonly [S in Section as S['key']]: Awaited<ReturnType<S['run']>> };

/** Sections `--only <key>` runs alone, rewriting just their key of bench/results.json. */
export const STANDALONE_SECTIONS: readonly Section[] = [quorumSection, timeToPageSection, coldStartSection];
