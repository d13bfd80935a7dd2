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
  const parser = new QueryParser(tokens);
  const parsed = parser.query();
  if (parser.problems.length) throw new InsightsQueryError(query, parser.problems);
  return parsed;
}

/**
 * One pass over the tokens in clause order: a cursor, one method per clause, and every problem
 * collected (a clause that goes wrong still moves on, so the next clauses are checked too).
 */
class QueryParser {
  /** Every problem found, in the order the clauses meet them. */
  readonly problems: string[] = [];
  /** The cursor: the next token. */
  private i = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  /** The whole query: SELECT … FROM … [WHERE …] [GROUP BY …] [ORDER BY …] [LIMIT …], nothing after. */
  query(): InsightsQuery {
    const { aggregate, metricName } = this.select();
    const { namespace, schemaDimensions } = this.from();
    const where = this.where();
    const groupBy = this.groupBy();
    const orderBy = this.orderBy();
    const limit = this.limit();
    const rest = this.tokens[this.i];
    if (rest) this.problems.push(`unexpected ${JSON.stringify(rest.text)} at position ${rest.at}`);
    if (!namespace && !this.problems.length) this.problems.push('the namespace must not be empty');
    return {
      aggregate,
      metricName,
      namespace,
      ...(schemaDimensions ? { schemaDimensions } : {}),
      ...(Object.keys(where).length ? { where } : {}),
      ...(groupBy ? { groupBy } : {}),
      ...(orderBy ? { orderBy } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
  }

  /** SELECT FUNCTION(metricName) */
  private select(): { aggregate: InsightsFunction; metricName: string } {
    this.expectKeyword('SELECT');
    const aggregate = this.fn();
    this.expectPunct('(');
    const metricName = this.identifier('metric name');
    this.expectPunct(')');
    return { aggregate, metricName };
  }

  /** FROM namespace | SCHEMA(namespace, labelKey, ...) */
  private from(): { namespace: string; schemaDimensions?: string[] } {
    this.expectKeyword('FROM');
    if (!(this.atKeyword('SCHEMA') && this.tokens[this.i + 1]?.text === '(')) return { namespace: this.identifier('namespace') };
    this.i += 2;
    const namespace = this.identifier('namespace');
    const schemaDimensions: string[] = [];
    while (this.peek()?.text === ',') {
      this.i++;
      schemaDimensions.push(this.identifier('label key'));
    }
    this.expectPunct(')');
    return { namespace, schemaDimensions };
  }

  /** [WHERE labelKey (= | !=) 'labelValue' [AND ...]] */
  private where(): Record<string, string | { not: string }> {
    const clause: Record<string, string | { not: string }> = {};
    if (!this.atKeyword('WHERE')) return clause;
    this.i++;
    do {
      const key = this.identifier('label key');
      const op = this.peek();
      if (op?.kind === 'punct' && (op.text === '=' || op.text === '!=')) this.i++;
      else this.problems.push(`expected = or != at ${this.here()}`);
      const value = this.peek();
      if (value?.kind !== 'string') this.problems.push(`label values must be enclosed in single quotation marks, at ${this.here()}`);
      if (value) this.i++;
      if (key in clause) this.problems.push(`label key ${key} appears twice in WHERE`);
      clause[key] = op?.text === '!=' ? { not: value?.text ?? '' } : (value?.text ?? '');
    } while (this.atKeyword('AND') && ++this.i);
    return clause;
  }

  /** [GROUP BY labelKey [, ...]] */
  private groupBy(): string[] | undefined {
    if (!this.atKeyword('GROUP')) return undefined;
    this.i++;
    this.expectKeyword('BY');
    const groupBy = [this.identifier('label key')];
    while (this.peek()?.text === ',') {
      this.i++;
      groupBy.push(this.identifier('label key'));
    }
    return groupBy;
  }

  /** [ORDER BY FUNCTION() [DESC | ASC]] */
  private orderBy(): InsightsQuery['orderBy'] {
    if (!this.atKeyword('ORDER')) return undefined;
    this.i++;
    this.expectKeyword('BY');
    const aggregate = this.fn();
    this.expectPunct('(');
    this.expectPunct(')');
    let direction: 'ASC' | 'DESC' = 'ASC';
    if (this.atKeyword('ASC') || this.atKeyword('DESC')) direction = this.tokens[this.i++]!.text.toUpperCase() as 'ASC' | 'DESC';
    return { aggregate, direction };
  }

  /** [LIMIT number], the number from 1 to 500. */
  private limit(): number | undefined {
    if (!this.atKeyword('LIMIT')) return undefined;
    this.i++;
    const t = this.peek();
    if (t?.kind !== 'number') {
      this.problems.push(`expected a number after LIMIT at ${this.here()}`);
      return undefined;
    }
    this.i++;
    const limit = Number(t.text);
    if (!(limit >= 1 && limit <= INSIGHTS_MAX_LIMIT)) this.problems.push(`LIMIT must be from 1 to ${INSIGHTS_MAX_LIMIT}, got ${t.text}`);
    return limit;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  /** Whether the next token is `word` (keywords are case-insensitive). */
  private atKeyword(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }

  /** Where the cursor is, for a problem: the next token and its position, or the end. */
  private here(): string {
    const t = this.peek();
    return t ? `position ${t.at} (${JSON.stringify(t.text)})` : 'the end';
  }

  private expectKeyword(word: string): boolean {
    if (this.atKeyword(word)) {
      this.i++;
      return true;
    }
    this.problems.push(`expected ${word} at ${this.here()}`);
    return false;
  }

  private expectPunct(p: string): boolean {
    const t = this.peek();
    if (t?.kind === 'punct' && t.text === p) {
      this.i++;
      return true;
    }
    this.problems.push(`expected "${p}" at ${this.here()}`);
    return false;
  }

  /** A namespace, metric name or label key: double-quoted, or unquoted when it is no reserved keyword. */
  private identifier(what: string): string {
    const t = this.peek();
    if (t?.kind === 'quoted') {
      this.i++;
      return t.text;
    }
    if (t?.kind === 'word' || t?.kind === 'number') {
      this.i++;
      if (isInsightsReservedKeyword(t.text)) {
        this.problems.push(`${what} ${t.text} at position ${t.at} is a reserved keyword and must be enclosed in double quotes`);
      }
      return t.text;
    }
    this.problems.push(`expected ${what} at ${this.here()}`);
    this.i++;
    return '';
  }

  /** One of AVG, COUNT, MAX, MIN, SUM (SUM stands in after a problem). */
  private fn(): InsightsFunction {
    const t = this.peek();
    const name = t?.kind === 'word' ? (t.text.toUpperCase() as InsightsFunction) : undefined;
    if (name && (INSIGHTS_FUNCTIONS as readonly string[]).includes(name)) {
      this.i++;
      return name;
    }
    this.problems.push(`expected one of ${INSIGHTS_FUNCTIONS.join(', ')} at ${this.here()}`);
    this.i++;
    return 'SUM';
  }
}
