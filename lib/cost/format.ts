/**
 * A cost report as plain text (`synthmon cost`, the benchmark): the fleet, every line item with its
 * monthly total and per check, the per-interval comparison with the goal and the hosted peers, the
 * assumptions, the notes, and the source of every price used.
 */
import type { CostAssumptions, CostLine, CostReport } from './report';

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** Dollars: cents, or four decimals below a cent so small items do not print as $0.00. */
export const fmtUsd = (n: number): string =>
  n !== 0 && Math.abs(n) < 0.00005 ? '<$0.0001' : n !== 0 && Math.abs(n) < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
const fmtQty = (n: number): string => (Number.isInteger(n) || n >= 100 ? fmtInt(n) : n.toPrecision(3));
const fmtUnitUsd = (n: number): string => (n === 0 ? '$0' : n < 0.01 ? `$${n.toFixed(10).replace(/0+$/, '')}` : `$${n.toFixed(2)}`);

/** What each assumption means, for the printed list. */
const ASSUMPTION_TEXT: Readonly<Record<keyof CostAssumptions, string>> = {
  memoryMb: 'MB of runner memory',
  publishSeconds: 's of publishing per invocation, after the slowest check',
  failedAttemptSeconds: 's per failing attempt (a failing run: two attempts + the retry pause)',
  failureRate: 'share of runs that fail (independent: upper bound on failing hours)',
  fastInvocationSeconds: 's billed per fast-shard invocation (its minute of ticks)',
  coldStartsPerContainerPerDay: 'cold starts per container per day (one container per shard and location)',
  initSeconds: 's of billed INIT per cold start',
  tokenCacheMinutes: 'min a container keeps a token',
  logBytesPerResult: 'log bytes per check result',
  logBytesPerInvocation: 'log bytes per invocation (START/END/REPORT)',
  logRetentionMonths: 'months of log retention',
  certificateMetric: 'CertificateDaysLeft{Host} published',
  ownTopicKey: 'the stack creates the topic key',
};

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function itemLabel(l: CostLine, mixed: boolean): string {
  return mixed && l.intervalSeconds !== undefined ? `${l.item} (${l.intervalSeconds} s)` : l.item;
}

/** The report as plain text. */
export function formatCostTable(report: CostReport): string {
  const f = report.fleet;
  const mixed = report.intervals.length > 1;
  const out: string[] = [`Fleet: ${f.description}`, `Cost per month, ${report.region} list prices taken ${report.pricesTakenOn}, no free tier:`, ''];
  const rows = [
    ['item', 'quantity', 'unit', 'unit price', 'USD/month', 'USD/check', 'basis'],
    ...report.lines.map((l) => [
      itemLabel(l, mixed),
      fmtQty(l.quantity),
      l.unit,
      fmtUnitUsd(l.unitUsd),
      fmtUsd(l.usd),
      fmtUsd(l.perCheckUsd),
      l.basis,
    ]),
    ['total (steady state)', '', '', '', fmtUsd(report.totalUsd), fmtUsd(report.perCheckMonthUsd), `${f.checks} checks`],
    [
      'total (first year)',
      '',
      '',
      '',
      fmtUsd(report.firstYear.totalUsd),
      fmtUsd(report.firstYear.perCheckMonthUsd),
      'before the KMS rotation surcharges',
    ],
  ];
  out.push(...table(rows, new Set([1, 3, 4, 5])).map((r) => `  ${r}`));

  out.push('', 'Per check-month by interval, against the goal (docs/DESIGN.md#cost-and-time-to-detect) and hosted peers at the same frequency:');
  const peers = report.intervals[0]!.alternatives.map((a) => a.label);
  out.push(
    ...table(
      [
        ['interval', 'checks', 'shards', 'synthmon', 'goal', '', ...peers],
        ...report.intervals.map((g) => [
          `${g.intervalSeconds} s${g.fast ? ' (fast)' : ''}`,
          fmtInt(g.checks),
          fmtInt(g.shards),
          fmtUsd(g.perCheckMonthUsd),
          fmtUsd(g.goalUsd),
          g.meetsGoal ? 'met' : 'MISSED',
          ...g.alternatives.map((a) => fmtUsd(a.usdPerCheckMonth)),
        ]),
        ...(mixed
          ? [
              [
                'fleet',
                fmtInt(f.checks),
                fmtInt(f.shards),
                fmtUsd(report.perCheckMonthUsd),
                fmtUsd(report.goalUsd),
                report.meetsGoal ? 'met' : 'MISSED',
                ...report.alternatives.map((a) => fmtUsd(a.usdPerCheckMonth)),
              ],
            ]
          : []),
      ],
      new Set([1, 2, 3, 4, 6, 7, 8]),
    ).map((r) => `  ${r}`),
  );
  for (const g of report.intervals) {
    for (const a of g.alternatives) out.push(`    ${g.intervalSeconds} s, ${a.label}: ${a.basis}`);
  }

  const pl = report.perLocation;
  if (pl) {
    const top = pl.marginalLines
      .slice(0, 4)
      .map((l) => `${l.item} ${fmtUsd(l.perCheckUsd)}`)
      .join(', ');
    out.push(
      '',
      `Per check-month per location (${pl.locations} locations: ${f.locations.join(', ')}):`,
      `  ${fmtUsd(pl.averagePerCheckMonthUsd)} on average: the all-in ${fmtUsd(report.perCheckMonthUsd)} per check-month divided by ${pl.locations} locations.`,
      `  ${fmtUsd(pl.marginalPerCheckMonthUsd)} for one more location: this fleet minus the same fleet from ${pl.comparedWith.join(', ')} (largest: ${top}).`,
      '  Metrics (one identity for every location), the class alarms, dashboard and key are shared, so a location costs less than the average.',
    );
  }

  out.push('', 'Assumptions:');
  for (const [key, text] of Object.entries(ASSUMPTION_TEXT) as [keyof CostAssumptions, string][]) {
    out.push(`  ${key} = ${String(report.assumptions[key])}: ${text}`);
  }

  out.push('', 'Notes:', ...report.notes.map((n) => (n.startsWith('  ') ? `  ${n}` : `  - ${n}`)));

  out.push('', 'Prices used, with their evidence (official, official-research, vendor-docs, third-party, unverified):');
  for (const s of report.sources) {
    out.push(`  ${s.name}: $${s.usd} per ${s.per} [${s.evidence}]`, `      ${s.source}`, `      quote: ${s.quote}`);
  }
  return out.join('\n');
}
