/**
 * The incident pipeline as the runner and `synthmon probe --notify` build it (one code path,
 * docs/DESIGN.md#incidents): the engine on the table named by SYNTHMON_INCIDENT_TABLE, in the home
 * region, delivering through the configured channels with secrets from the token store.
 */
import type { FleetIncidents } from '../../contracts/handler-env';
import type { NotificationsConfig } from '../../contracts/config/notifications';
import { createChannels, type ChannelDeps } from '../notify';
import type { TokenStore } from '../tokens';
import { IncidentEngine, type LogLine } from './engine';
import { consoleLinks, type LinkTargets } from './page';
import { getStoreClient, IncidentStore } from './store';

export { IncidentEngine, type IncidentReport, type RunContext, windowMs } from './engine';

export interface PipelineOptions {
  readonly table: string;
  readonly incidents: FleetIncidents;
  readonly location: string;
  /** The table's region (the home region). @default - the SDK's configuration */
  readonly region?: string;
  readonly secrets: TokenStore;
  readonly links?: LinkTargets;
  readonly log?: LogLine;
  /** Extra channel dependencies (tests: a CA for loopback receivers). */
  readonly channelDeps?: Omit<ChannelDeps, 'secrets'>;
  /** A client (tests); else the process's shared client for `region`. */
  readonly client?: ConstructorParameters<typeof IncidentStore>[0];
}

/** The engine for one location. */
export function createIncidentEngine(o: PipelineOptions): IncidentEngine {
  return new IncidentEngine({
    store: new IncidentStore(o.client ?? getStoreClient(o.region), o.table),
    monitor: o.incidents.monitor,
    location: o.location,
    quorum: o.incidents.quorum,
    resolveAfterRuns: o.incidents.resolveAfterRuns,
    channels: createChannels((o.incidents.notifications ?? {}) as Partial<NotificationsConfig>, { ...o.channelDeps, secrets: o.secrets }),
    ...(o.links ? { links: consoleLinks(o.links) } : {}),
    ...(o.incidents.maintenance?.length ? { maintenance: o.incidents.maintenance } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}
