/** Time to detect: simulated with alarmDefinitions and the evaluator, seeded, for the default and the anchors' setups. */
import { parseConfig, type MonitorConfig } from '../../contracts/config';
import type { BenchSection, RawConfig } from '../context';
import { DEFAULT_MTTD_PARAMS, simulateMttd, STRESS_INGESTION_S, type MttdParams, type MttdScenario, type MttdStats } from '../mttd';
import { line3, log, pad } from '../print';

/** The default's scenarios, and the anchors' setups beside it: what the default's design buys. */
export function mttdScenarios(config: MonitorConfig, raw: RawConfig): Array<{ scenario: MttdScenario; params?: Partial<MttdParams> }> {
  const fast = parseConfig({ ...raw, intervalSeconds: 10 });
  return [
    { scenario: { name: 'default', config, regression: 'forbidden' } },
    { scenario: { name: 'defaultStress', config, regression: 'forbidden' }, params: { ingestionDelayS: STRESS_INGESTION_S } },
    { scenario: { name: 'fast', config: fast, regression: 'forbidden' } },
    { scenario: { name: 'fastStress', config: fast, regression: 'forbidden' }, params: { ingestionDelayS: STRESS_INGESTION_S } },
    {
      // CloudWatch Synthetics-style: a run every minute, no confirmation retry, alarms on 1 of 1.
      scenario: {
        name: 'canary1min1of1',
        config: parseConfig({
          ...raw,
          checks: raw.checks.map((c) => ({ ...c, retryDelayMs: 0 })),
          alarms: { failing: { datapointsToAlarm: 1, evaluationPeriods: 1 } },
        }),
        regression: 'forbidden',
      },
    },
    { scenario: { name: 'check5min', config: parseConfig({ ...raw, intervalSeconds: 300 }), regression: 'forbidden' } },
    // A regression without a class alarm of its own (only Failing, 2 of 3), attempts running to the deadline.
    { scenario: { name: 'defaultTimeoutRegression', config, regression: 'timeout' } },
    // Design option (not built): the runner publishes to the alarm topic itself on a confirmed refused / forbidden.
    { scenario: { name: 'directPageOption', config, regression: 'forbidden', directPage: true } },
  ];
}

export const detectSection: BenchSection<'mttd', Record<string, MttdStats>> = {
  key: 'mttd',
  heading: `time to detect (simulated with alarmDefinitions and the evaluator, seeded; ingestion ${DEFAULT_MTTD_PARAMS.ingestionDelayS.join('–')} s, stress ${STRESS_INGESTION_S.join('–')} s)`,
  run({ quick, config, raw }) {
    const mttd: Record<string, MttdStats> = {};
    const trials = quick ? { trials: 300 } : {};
    for (const { scenario, params } of mttdScenarios(config, raw)) {
      const stats = simulateMttd(scenario, { ...trials, ...params });
      mttd[scenario.name] = stats;
      const by = Object.entries(stats.pagedBy)
        .sort(([, a], [, b]) => b - a)
        .map(([k, n]) => `${k} ${Math.round((100 * n) / stats.trials)}%`)
        .join(', ');
      log(`${pad(scenario.name, 26)} ${line3(stats)}  (undetected ${stats.undetected}, false alarms ${stats.falseAlarms}; paged by ${by})`);
    }
    // Sensitivity: how much of the default's delay is CloudWatch's ingestion, how much the minute grid.
    const instant = simulateMttd(mttdScenarios(config, raw)[0]!.scenario, { ...trials, ingestionDelayS: [0, 0] });
    log(`${pad('default, instant ingestion', 26)} ${line3(instant)}  (printed only)`);
    return mttd;
  },
};
