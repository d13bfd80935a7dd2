/**
 * The Metrics Insights grammar as AWS documents it (lib/alarms/insights.ts): the one renderer quotes
 * every identifier, and the parser refuses what AWS would (an unquoted reserved keyword, special
 * characters outside quotes, a function outside AVG/COUNT/MAX/MIN/SUM, a LIMIT past 500, unquoted
 * label values, stray text).
 */
import { describe, expect, it, test } from 'vitest';
import { INSIGHTS_RESERVED_KEYWORDS, isInsightsReservedKeyword } from '../../lib/alarms/insights-keywords';
import { InsightsQueryError, parseQuery, renderQuery, type InsightsQuery } from '../../lib/alarms/insights';

const problemsOf = (query: string): readonly string[] => {
  try {
    parseQuery(query);
  } catch (err) {
    if (err instanceof InsightsQueryError) return err.problems;
    throw err;
  }
  return [];
};

describe('the reserved keyword list', () => {
  it("holds the page's words, case-insensitively, including the two the monitor uses as label keys", () => {
    // 917 distinct words on the page (read 2026-12-04).
    expect(INSIGHTS_RESERVED_KEYWORDS.size).toBe(917);
    expect(['CHECK', 'interval', 'Limit', 'SCHEMA', 'FALLBACK', 'END-EXEC', 'ZONE'].filter((w) => !isInsightsReservedKeyword(w))).toEqual([]);
    expect(['Reason', 'Shard', 'Location', 'Host', 'Failures', 'Success', 'Duration'].filter(isInsightsReservedKeyword)).toEqual([]);
  });
});

describe('renderQuery and parseQuery', () => {
  const full: InsightsQuery = {
    aggregate: 'SUM',
    metricName: 'Failures',
    namespace: 'My/Name.space',
    schemaDimensions: ['Check', 'Interval', 'Reason'],
    where: { Interval: '60', Reason: { not: "it's" } },
    groupBy: ['Check', 'Reason'],
    orderBy: { aggregate: 'MAX', direction: 'ASC' },
    limit: 10,
  };

  it('quotes every identifier and round-trips', () => {
    const q = renderQuery(full);
    expect(q).toBe(
      `SELECT SUM("Failures") FROM SCHEMA("My/Name.space", "Check", "Interval", "Reason") WHERE "Interval" = '60' AND "Reason" != 'it\\'s' GROUP BY "Check", "Reason" ORDER BY MAX() ASC LIMIT 10`,
    );
    expect(parseQuery(q)).toEqual(full);
    expect(parseQuery(renderQuery({ aggregate: 'AVG', metricName: 'Success', namespace: 'SyntheticMonitor' }))).toEqual({
      aggregate: 'AVG',
      metricName: 'Success',
      namespace: 'SyntheticMonitor',
    });
  });

  it('escapes quotation marks in identifiers with a backslash, as the page says', () => {
    const q = renderQuery({ aggregate: 'AVG', metricName: 'Bytes"Input"', namespace: 'ns' });
    expect(q).toBe('SELECT AVG("Bytes\\"Input\\"") FROM "ns"');
    expect(parseQuery(q).metricName).toBe('Bytes"Input"');
  });

  it('accepts unquoted identifiers that are no keyword, and keywords in any case', () => {
    expect(
      parseQuery(
        'select avg(CPUUtilization) from SCHEMA("AWS/EC2", InstanceId) where InstanceId = \'i-1\' group by InstanceId order by max() desc limit 5',
      ),
    ).toEqual({
      aggregate: 'AVG',
      metricName: 'CPUUtilization',
      namespace: 'AWS/EC2',
      schemaDimensions: ['InstanceId'],
      where: { InstanceId: 'i-1' },
      groupBy: ['InstanceId'],
      orderBy: { aggregate: 'MAX', direction: 'DESC' },
      limit: 5,
    });
  });

  test.each([
    [
      'an unquoted reserved metric name',
      'SELECT AVG(Limit) FROM "ns"',
      ['metric name Limit at position 11 is a reserved keyword and must be enclosed in double quotes'],
    ],
    [
      'an unquoted reserved namespace',
      'SELECT AVG(x) FROM SCHEMA(Data)',
      ['namespace Data at position 26 is a reserved keyword and must be enclosed in double quotes'],
    ],
    [
      'an unquoted reserved GROUP BY key',
      'SELECT AVG(x) FROM "ns" GROUP BY Check',
      ['label key Check at position 33 is a reserved keyword and must be enclosed in double quotes'],
    ],
    [
      'a namespace with "/" unquoted',
      'SELECT AVG(x) FROM AWS/EC2',
      ['character "/" at 22 outside quotes: identifiers with characters other than letters, numbers and underscore must be double-quoted'],
    ],
    ['an unknown function', 'SELECT MEDIAN(x) FROM "ns"', ['expected one of AVG, COUNT, MAX, MIN, SUM at position 7 ("MEDIAN")']],
    ['a LIMIT past 500', 'SELECT AVG(x) FROM "ns" LIMIT 501', ['LIMIT must be from 1 to 500, got 501']],
    [
      'a label value in double quotes',
      'SELECT AVG(x) FROM "ns" WHERE "k" = "v"',
      ['label values must be enclosed in single quotation marks, at position 36 ("v")'],
    ],
    ['no FROM', 'SELECT AVG(x)', ['expected FROM at the end', 'expected namespace at the end']],
    ['text after LIMIT', 'SELECT AVG(x) FROM "ns" LIMIT 5 OFFSET 2', ['unexpected "OFFSET" at position 32']],
    ['an unterminated quote', 'SELECT AVG(x) FROM "ns', ['unterminated double-quoted text']],
  ])('refuses %s', (_what, query, problems) => {
    expect(problemsOf(query)).toEqual(problems);
  });
});
