/**
 * Metrics Insights queries: the ONE renderer every query of the monitor goes through (the class
 * alarms and the dashboard widgets), and a parser of the grammar AWS documents, which the local
 * evaluator runs every deployed query through, so an identifier that AWS would refuse fails a test.
 *
 * The grammar (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html):
 *
 *     SELECT FUNCTION(metricName)
 *     FROM namespace | SCHEMA(...)
 *     [ WHERE labelKey OPERATOR labelValue [AND ... ] ]
 *     [ GROUP BY labelKey [ , ... ] ]
 *     [ ORDER BY FUNCTION() [ DESC | ASC ] ]
 *     [ LIMIT number ]
 *
 * with, from the same page: FUNCTION is one of AVG, COUNT, MAX, MIN and SUM; SCHEMA "must contain at
 * least one argument, and this first argument must be the metric namespace"; "Label values must
 * always be enclosed with single quotation marks"; WHERE supports `=`, `!=` and AND; LIMIT: "The
 * maximum value that you can specify is 500"; "Metric namespaces, metric names, and label keys that
 * contain characters other than letters, numbers, and underscore (_) must be surrounded by double
 * quote marks"; "If one of these contains a double quotation mark or single quotation mark itself
 * ..., you must escape each quotation mark with a backslash"; and a reserved keyword in a namespace,
 * metric name or label key must be double-quoted (./insights-keywords.ts). "It is also valid to
 * enclose any namespace, metric name, or label in double quotation marks", so the renderer quotes
 * every identifier: no name can ever collide with a keyword.
 * No CDK import.
 */
import { isInsightsReservedKeyword } from './insights-keywords';

/** Metrics Insights aggregate functions (SELECT and ORDER BY). */
export const INSIGHTS_FUNCTIONS = ['AVG', 'COUNT', 'MAX', 'MIN', 'SUM'] as const;
export type InsightsFunction = (typeof INSIGHTS_FUNCTIONS)[number];

/** querylanguage page, LIMIT: "The maximum value that you can specify is 500". */
export const INSIGHTS_MAX_LIMIT = 500;

/** A Metrics Insights query as data (the whole documented grammar but OR-free WHERE, which it does not document). */
export interface InsightsQuery {
  readonly aggregate: InsightsFunction;
  readonly metricName: string;
  readonly namespace: string;
  /** SCHEMA(namespace, ...these): only metrics with exactly these dimension keys. Absent: FROM namespace. */
  readonly schemaDimensions?: readonly string[];
  /** WHERE key = 'value' AND ... (`!=` when the value is `{ not: v }`). */
  readonly where?: Readonly<Record<string, string | { readonly not: string }>>;
  readonly groupBy?: readonly string[];
  readonly orderBy?: { readonly aggregate: InsightsFunction; readonly direction: 'ASC' | 'DESC' };
  readonly limit?: number;
}

/** A double-quoted identifier (namespace, metric name, label key), quotes escaped with a backslash. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/(["'])/g, '\\$1')}"`;
}

/** A single-quoted label value, quotes escaped with a backslash. */
export function quoteLabelValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/(["'])/g, '\\$1')}'`;
}

/** Render a query: every identifier double-quoted (the one renderer of the monitor's queries). */
export function renderQuery(q: InsightsQuery): string {
  const from = q.schemaDimensions ? `SCHEMA(${[q.namespace, ...q.schemaDimensions].map(quoteIdentifier).join(', ')})` : quoteIdentifier(q.namespace);
  const where = Object.entries(q.where ?? {}).map(([k, v]) =>
    typeof v === 'string' ? `${quoteIdentifier(k)} = ${quoteLabelValue(v)}` : `${quoteIdentifier(k)} != ${quoteLabelValue(v.not)}`,
  );
  return [
    `SELECT ${q.aggregate}(${quoteIdentifier(q.metricName)}) FROM ${from}`,
    ...(where.length ? [`WHERE ${where.join(' AND ')}`] : []),
    ...(q.groupBy?.length ? [`GROUP BY ${q.groupBy.map(quoteIdentifier).join(', ')}`] : []),
    ...(q.orderBy ? [`ORDER BY ${q.orderBy.aggregate}() ${q.orderBy.direction}`] : []),
    ...(q.limit !== undefined ? [`LIMIT ${q.limit}`] : []),
  ].join(' ');
}

/** A query AWS would refuse (or that this grammar does not cover); `problems` says where and why. */
export class InsightsQueryError extends Error {
  constructor(
    readonly query: string,
    readonly problems: readonly string[],
  ) {
    super(`Metrics Insights query ${JSON.stringify(query.length > 300 ? `${query.slice(0, 300)}...` : query)} is invalid: ${problems.join('; ')}`);
    this.name = 'InsightsQueryError';
  }
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'quoted'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; text: string; at: number }
  | { kind: 'punct'; text: string; at: number };

function tokenize(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (close: string): string => {
    let text = '';
    for (i++; i < query.length; i++) {
      const c = query[i]!;
      if (c === '\\' && i + 1 < query.length) text += query[++i]!;
      else if (c === close) {
        i++;
        return text;
      } else text += c;
    }
    throw new Error(`unterminated ${close === '"' ? 'double' : 'single'}-quoted text`);
  };
  while (i < query.length) {
    const c = query[i]!;
    const at = i;
    if (/\s/.test(c)) i++;
    else if (c === '"') out.push({ kind: 'quoted', text: quoted('"'), at });
    else if (c === "'") out.push({ kind: 'string', text: quoted("'"), at });
    else if (c === '!' && query[i + 1] === '=') {
      out.push({ kind: 'punct', text: '!=', at });
      i += 2;
    } else if ('(),='.includes(c)) {
      out.push({ kind: 'punct', text: c, at });
      i++;
    } else if (/[A-Za-z0-9_]/.test(c)) {
      const m = /^[A-Za-z0-9_]+/.exec(query.slice(i))![0];
      out.push({ kind: /^\d+$/.test(m) ? 'number' : 'word', text: m, at });
      i += m.length;
    } else {
      // Any other character outside quotes (/, ., -, :, #, ...) is not part of an unquoted identifier.
      throw new Error(
        `character ${JSON.stringify(c)} at ${i} outside quotes: identifiers with characters other than letters, numbers and underscore must be double-quoted`,
      );
    }
  }
  return out;
}

/**
 * Parse a query with the documented grammar. Throws InsightsQueryError naming each problem: an
 * unquoted reserved keyword or special character in an identifier, a missing clause, a function
 * outside AVG/COUNT/MAX/MIN/SUM, a LIMIT outside 1-500, a label value not single-quoted.
 */
export function parseQuery(query: string): InsightsQuery {
  let tokens: Token[];
  try {
    tokens = tokenize(query);
  } catch (err) {
    throw new InsightsQueryError(query, [(err as Error).message]);
  }
  const problems: string[] = [];
  let i = 0;
  const peek = () => tokens[i];
  const isKeyword = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text.toUpperCase() === word;
  const expectKeyword = (word: string): boolean => {
    if (isKeyword(peek(), word)) {
      i++;
      return true;
    }
    problems.push(`expected ${word} at ${where()}`);
    return false;
  };
  const expectPunct = (p: string): boolean => {
    const t = peek();
    if (t?.kind === 'punct' && t.text === p) {
      i++;
      return true;
    }
    problems.push(`expected "${p}" at ${where()}`);
    return false;
  };
  const where = () => {
    const t = peek();
    return t ? `position ${t.at} (${JSON.stringify(t.text)})` : 'the end';
  };
  const identifier = (what: string): string => {
    const t = peek();
    if (t?.kind === 'quoted') {
      i++;
      return t.text;
    }
    if (t?.kind === 'word' || t?.kind === 'number') {
      i++;
      if (isInsightsReservedKeyword(t.text)) {
        problems.push(`${what} ${t.text} at position ${t.at} is a reserved keyword and must be enclosed in double quotes`);
      }
      return t.text;
    }
    problems.push(`expected ${what} at ${where()}`);
    i++;
    return '';
  };
  const fn = (): InsightsFunction => {
    const t = peek();
    const name = t?.kind === 'word' ? (t.text.toUpperCase() as InsightsFunction) : undefined;
    if (name && (INSIGHTS_FUNCTIONS as readonly string[]).includes(name)) {
      i++;
      return name;
    }
    problems.push(`expected one of ${INSIGHTS_FUNCTIONS.join(', ')} at ${where()}`);
    i++;
    return 'SUM';
  };

  expectKeyword('SELECT');
  const aggregate = fn();
  expectPunct('(');
  const metricName = identifier('metric name');
  expectPunct(')');
  expectKeyword('FROM');
  let namespace = '';
  let schemaDimensions: string[] | undefined;
  if (isKeyword(peek(), 'SCHEMA') && tokens[i + 1]?.text === '(') {
    i += 2;
    namespace = identifier('namespace');
    schemaDimensions = [];
    while (peek()?.text === ',') {
      i++;
      schemaDimensions.push(identifier('label key'));
    }
    expectPunct(')');
  } else namespace = identifier('namespace');

  const whereClause: Record<string, string | { not: string }> = {};
  if (isKeyword(peek(), 'WHERE')) {
    i++;
    do {
      const key = identifier('label key');
      const op = peek();
      if (op?.kind === 'punct' && (op.text === '=' || op.text === '!=')) i++;
      else problems.push(`expected = or != at ${where()}`);
      const value = peek();
      if (value?.kind !== 'string') problems.push(`label values must be enclosed in single quotation marks, at ${where()}`);
      if (value) i++;
      if (key in whereClause) problems.push(`label key ${key} appears twice in WHERE`);
      whereClause[key] = op?.text === '!=' ? { not: value?.text ?? '' } : (value?.text ?? '');
    } while (isKeyword(peek(), 'AND') && ++i);
  }
  let groupBy: string[] | undefined;
  if (isKeyword(peek(), 'GROUP')) {
    i++;
    expectKeyword('BY');
    groupBy = [identifier('label key')];
    while (peek()?.text === ',') {
      i++;
      groupBy.push(identifier('label key'));
    }
  }
  let orderBy: InsightsQuery['orderBy'];
  if (isKeyword(peek(), 'ORDER')) {
    i++;
    expectKeyword('BY');
    const agg = fn();
    expectPunct('(');
    expectPunct(')');
    let direction: 'ASC' | 'DESC' = 'ASC';
    if (isKeyword(peek(), 'ASC') || isKeyword(peek(), 'DESC')) direction = tokens[i++]!.text.toUpperCase() as 'ASC' | 'DESC';
    orderBy = { aggregate: agg, direction };
  }
  let limit: number | undefined;
  if (isKeyword(peek(), 'LIMIT')) {
    i++;
    const t = peek();
    if (t?.kind === 'number') {
      i++;
      limit = Number(t.text);
      if (!(limit >= 1 && limit <= INSIGHTS_MAX_LIMIT)) problems.push(`LIMIT must be from 1 to ${INSIGHTS_MAX_LIMIT}, got ${t.text}`);
    } else problems.push(`expected a number after LIMIT at ${where()}`);
  }
  if (i < tokens.length) problems.push(`unexpected ${JSON.stringify(tokens[i]!.text)} at position ${tokens[i]!.at}`);
  if (!namespace && !problems.length) problems.push('the namespace must not be empty');
  if (problems.length) throw new InsightsQueryError(query, problems);
  return {
    aggregate,
    metricName,
    namespace,
    ...(schemaDimensions ? { schemaDimensions } : {}),
    ...(Object.keys(whereClause).length ? { where: whereClause } : {}),
    ...(groupBy ? { groupBy } : {}),
    ...(orderBy ? { orderBy } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}
