/** Locations and quorum: the seed's checks from three locations, quorum 2, a regression in one, two or all of them. */
import { parseConfig, type MonitorConfig } from '../../contracts/config';
import { quorumOf } from '../../lib/alarms/definitions';
import type { BenchSection, RawConfig } from '../context';
import { DEFAULT_MTTD_PARAMS, simulateMttd } from '../mttd';
import { line3, log, stats3, type Stats3 } from '../print';

/** The seed locations of the quorum study, home us-east-1. */
const QUORUM_LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'] as const;

/** Pages of a regression that hits only a minority of the locations: none should page. */
export interface MinorityOutage {
  /** Regressions simulated, each watched for `outageMinutes`. */
  readonly trials: number;
  readonly outageMinutes: number;
  /** ALARM notifications naming the check (false pages), all trials together. */
  readonly pages: number;
  /** Trials with at least one such page. */
  readonly pagedTrials: number;
  /** Any other ALARM (a Silent alarm, or one before the regression). */
  readonly falseAlarms: number;
}

export interface QuorumCase {
  readonly oneLocation: MinorityOutage;
  readonly twoLocations: Stats3 & { readonly undetected: number; readonly falseAlarms: number };
  readonly allLocations: Stats3 & { readonly undetected: number; readonly falseAlarms: number };
}

export interface QuorumResult {
  readonly locations: readonly string[];
  readonly quorum: number;
  readonly regression: string;
  readonly ingestionDelayS: readonly [number, number];
  readonly checks60s: QuorumCase;
  readonly checks10s: QuorumCase;
}

/**
 * Locations and quorum: the seed's checks from three locations, quorum 2 (the default majority), every 60 s and
 * every 10 s, through simulateMttd's model (each location its own schedule phase, delivery and
 * ingestion delays; the deployed alarm definitions; the evaluator): a regression in one location,
 * watched for the whole horizon, must page nothing; in two or in all three it pages.
 */
export function quorumStudy(raw: RawConfig, quick: boolean): QuorumResult {
  const trials = quick ? 200 : 2000;
  const scenarioCase = (config: MonitorConfig): QuorumCase => {
    const one = simulateMttd(
      { name: 'oneLocation', config, regression: 'forbidden', failingLocations: 1, countPages: true },
      { trials: Math.ceil(trials / 2) },
    );
    const two = simulateMttd({ name: 'twoLocations', config, regression: 'forbidden', failingLocations: 2 }, { trials });
    const all = simulateMttd({ name: 'allLocations', config, regression: 'forbidden' }, { trials });
    log(
      `  one location  : ${one.pages} pages in ${one.trials} outages of ${one.horizonMinutes} min (${one.pagedTrials} outages paged; other false alarms ${one.falseAlarms})`,
    );
    log(`  two locations : ${line3(two)}  (undetected ${two.undetected}, false alarms ${two.falseAlarms})`);
    log(`  all locations : ${line3(all)}  (undetected ${all.undetected}, false alarms ${all.falseAlarms})`);
    return {
      oneLocation: {
        trials: one.trials,
        outageMinutes: one.horizonMinutes,
        pages: one.pages,
        pagedTrials: one.pagedTrials,
        falseAlarms: one.falseAlarms,
      },
      twoLocations: { ...stats3(two), undetected: two.undetected, falseAlarms: two.falseAlarms },
      allLocations: { ...stats3(all), undetected: all.undetected, falseAlarms: all.falseAlarms },
    };
  };
  const at60 = parseConfig({ ...raw, locations: [...QUORUM_LOCATIONS] });
  const at10 = parseConfig({ ...raw, intervalSeconds: 10, locations: [...QUORUM_LOCATIONS] });
  log(
    `${QUORUM_LOCATIONS.join(', ')}, quorum ${quorumOf(at60)}; forbidden regressions; ingestion ${DEFAULT_MTTD_PARAMS.ingestionDelayS.join('–')} s; ${trials} regressions per row (one location: ${Math.ceil(trials / 2)})`,
  );
  log('checks every 60 s:');
  const checks60s = scenarioCase(at60);
  log('checks every 10 s:');
  const checks10s = scenarioCase(at10);
  return {
    locations: [...QUORUM_LOCATIONS],
    quorum: quorumOf(at60),
    regression: 'forbidden',
    ingestionDelayS: DEFAULT_MTTD_PARAMS.ingestionDelayS,
    checks60s,
    checks10s,
  };
}

export const quorumSection: BenchSection<'quorum', QuorumResult> = {
  key: 'quorum',
  heading: 'quorum (a failure counts when 2 of 3 locations see it): 3 locations, quorum 2',
  run: ({ raw, quick }) => quorumStudy(raw, quick),
};
