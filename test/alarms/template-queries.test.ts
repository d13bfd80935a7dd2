/**
 * Every Metrics Insights query in the synthesized default template — the class alarms' and the
 * dashboard's — parses with the grammar AWS documents (lib/alarms/insights.ts): no unquoted reserved
 * keyword (CHECK, INTERVAL, ...) in a namespace, metric name or label key. CloudFormation would roll
 * the home stack back on the alarms, and the dashboard's widgets would never load.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import defaultConfigJson from '../../config/default.json';
import type { MonitorConfigInput } from '../../contracts/config';
import { InsightsQueryError, parseQuery } from '../../lib/alarms/insights';
import { isInsightsReservedKeyword } from '../../lib/alarms/insights-keywords';
import { MonitorStack } from '../../lib/monitor-stack';
import { testApp } from '../lib/support';

/** Every Metrics Insights query (an expression starting with SELECT) anywhere in a template: alarms' Metrics and the dashboard body. */
function insightsQueries(template: Record<string, unknown>): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      // The dashboard body is a JSON string (Fn::Join parts): its expressions are found inside it.
      for (const m of v.matchAll(/"expression":"((?:[^"\\]|\\.)*)"/g)) visit(JSON.parse(`"${m[1]}"`));
      if (/^\s*SELECT\b/i.test(v)) out.push(v);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (join) visit(join[1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(join[0]));
      else Object.values(v).forEach(visit);
    }
  };
  visit(template.Resources);
  return out;
}

describe('Metrics Insights queries in the synthesized default template', () => {
  const stack = new MonitorStack(testApp({ bundle: false }), 'SyntheticMonitor', { config: defaultConfigJson as MonitorConfigInput });
  const queries = insightsQueries(Template.fromStack(stack).toJSON());

  it("finds the class alarms' and the dashboard's queries", () => {
    // Refused, Forbidden, Failing for the seed's 60 s interval, NotificationFailures (lib/alarms/definitions.ts),
    // and the dashboard's four fleet widgets.
    expect(queries.length).toBe(3 + 1 + 4);
    expect(queries.filter((q) => q.includes('"NotificationFailures"'))).toHaveLength(1);
    expect(queries.filter((q) => q.includes('"Interval" = \'60\''))).toHaveLength(3);
  });

  it("has no unquoted reserved keyword: every query parses with AWS's grammar", () => {
    const problems = queries.flatMap((q) => {
      try {
        parseQuery(q);
        return [];
      } catch (err) {
        if (err instanceof InsightsQueryError) return [err.message];
        throw err;
      }
    });
    expect(problems).toEqual([]);
  });

  it('would fail on the unquoted form main deployed, alarms and dashboard alike: each one names Check (the check is not vacuous)', () => {
    const unquoted = queries.map((q) => q.replace(/"(\w+)"/g, (all, word: string) => (isInsightsReservedKeyword(word) ? word : all)));
    expect(unquoted.some((q) => q.includes('GROUP BY Check'))).toBe(true);
    // NotificationFailures names only Channel, which is not a reserved word: its unquoted form is valid.
    const naming = unquoted.filter((q) => !q.includes('NotificationFailures'));
    expect(naming).toHaveLength(queries.length - 1);
    expect(
      naming.filter((q) => {
        try {
          parseQuery(q);
          return false;
        } catch {
          return true;
        }
      }),
    ).toHaveLength(naming.length);
  });
});
