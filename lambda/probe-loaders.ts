/**
 * The probe of each kind, loaded on first use: a shard of HTTP checks never loads ws, and no probe
 * is parsed during the Lambda's init (see bench/cold-start.ts). One line per kind; the compiler
 * rejects a kind of contracts/kinds.ts that has no probe here.
 */
import type { Check } from '../contracts/config';
import type { CheckKind } from '../contracts/kinds';
import type { AttemptOptions, AttemptResult } from './probes/types';

/** A probe: one attempt of one check of its kind. Never throws for a network failure. */
export type Probe<C extends Check = Check> = (check: C, options: AttemptOptions) => Promise<AttemptResult>;

type ProbeLoaders = { readonly [K in CheckKind]: () => Promise<Probe<Extract<Check, { kind: K }>>> };

export const PROBES: ProbeLoaders = {
  websocket: async () => (await import('./probes/websocket')).probeWebSocket,
  http: async () => (await import('./probes/http')).probeHttp,
};

/** The probe for a check's kind. */
export async function probeFor(check: Check): Promise<Probe> {
  return (await PROBES[check.kind]()) as Probe;
}
