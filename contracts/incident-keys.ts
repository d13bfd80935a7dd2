/**
 * The incident table's keys that more than one part reads (docs/DESIGN.md#incidents): the runner's
 * incident engine writes `i#<kind>#<host>`; `synthmon status` lists them; the backstop notifier
 * reads them to tell whether the pipeline already paged a host. No imports: the CDK app, the CLI
 * and both Lambda entries load it.
 */

/** The incident kinds the runner's engine keeps per host. */
export type HostIncidentKind = 'endpoint' | 'monitor';

/** Both kinds, in the order the engine reads them. */
export const HOST_INCIDENT_KINDS: readonly HostIncidentKind[] = ['endpoint', 'monitor'];

/** The host a check probes (lower case), the storm guard's group; `unknown-host` for a URL that does not parse. */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase() || 'unknown-host';
  } catch {
    return 'unknown-host';
  }
}

/** The partition key of a host's incident of one kind. */
export function incidentKey(kind: HostIncidentKind, host: string): string {
  return `i#${kind}#${host}`;
}
