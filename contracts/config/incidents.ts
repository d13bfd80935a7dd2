/**
 * `incidents`: how the incident pipeline (lambda/incidents/, docs/DESIGN.md#incidents) resolves.
 * Quorum and locations are the monitor's own (`quorum`, `locations`); this holds what only
 * incidents need. No imports beyond zod: the runtime, the CDK app and the CLI all load it.
 */
import { z } from 'zod';

/** Most passing runs a resolve may wait for: beyond this an incident outlives its cause by too long to be useful. */
export const MAX_RESOLVE_AFTER_RUNS = 10;

const resolveAfterRuns = z
  .number({ error: (iss) => `must be a whole number of runs from 1 to ${MAX_RESOLVE_AFTER_RUNS}, got ${JSON.stringify(iss.input) ?? 'nothing'}` })
  .superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < 1 || v > MAX_RESOLVE_AFTER_RUNS) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number of runs from 1 to ${MAX_RESOLVE_AFTER_RUNS}`, input: v });
    }
  });

/** The `incidents` block of the configuration. */
export const IncidentsSchema = z
  .object(
    {
      /**
       * Consecutive passing runs, in a quorum of locations, before an open incident resolves (one
       * `resolve` per channel). @default 2
       */
      resolveAfterRuns: resolveAfterRuns.default(2),
    },
    { error: 'must be an object such as {"resolveAfterRuns": 2}' },
  )
  .strict()
  .prefault({});

export type IncidentsConfig = z.output<typeof IncidentsSchema>;
