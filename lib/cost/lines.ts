/**
 * The cost sections' common ground: the fleet they price (what the configuration deploys, worked
 * out once) and the book they write lines into.
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import type { IntervalSeconds } from '../../contracts/fleet';
import { plural as pluralOf } from '../../contracts/text';
import { alarmDefinitions, locationLabels, type AlarmDefinition } from '../alarms/definitions';
import { planFleet, type FleetPlan, type ShardPlan } from '../fleet/plan';
import { fmtInt } from './format';
import { PRICES, type PriceName } from './prices';
import { COST_ITEMS, type CostAssumptions, type CostItem, type CostLine, type CostScale } from './report';
import { publishedSeries, type Series } from './usage';

/** "12 shards", with thousands separators. */
export const plural = (n: number, word: string) => pluralOf(n, word, fmtInt);
export const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;

/** What every cost section reads: the configuration, the assumptions and what the stack deploys for them. */
export interface PricedFleet {
  readonly config: MonitorConfig;
  readonly a: CostAssumptions;
  readonly plan: FleetPlan;
  /** Exactly the alarm definitions the stack deploys. */
  readonly alarms: readonly AlarmDefinition[];
  /** Location labels ("default" for the deploy region alone). */
  readonly locations: readonly string[];
  /** Runner memory in GB. */
  readonly gb: number;
  readonly checkByName: ReadonlyMap<string, Check>;
  readonly shardById: ReadonlyMap<string, ShardPlan>;
  /** Every metric series the fleet publishes. */
  readonly series: readonly Series[];
}

/** The fleet a configuration deploys, worked out once for every section. */
export function pricedFleet(config: MonitorConfig, a: CostAssumptions): PricedFleet {
  const plan = planFleet(config);
  const locations = locationLabels(config);
  return {
    config,
    a,
    plan,
    alarms: alarmDefinitions(config, plan),
    locations,
    gb: a.memoryMb / 1024,
    checkByName: new Map(config.checks.map((c) => [c.name, c])),
    shardById: new Map(plan.shards.map((s) => [s.id, s])),
    series: publishedSeries(config, plan.shards, locations, a),
  };
}

/** One entry of the bill before pricing. */
export interface LineEntry {
  readonly item: CostItem;
  readonly intervalSeconds?: IntervalSeconds;
  readonly quantity: number;
  readonly unit: string;
  readonly price: PriceName;
  readonly basis: string;
  readonly scalesWith: CostScale;
  readonly fromYear?: number;
}

/** A part of the bill (runner, metrics, alarms, …): it adds its lines to the book. */
export type CostSection = (fleet: PricedFleet, book: LineBook) => void;

/** Builds the lines: one accumulator per (item, interval), priced once at the end. */
export class LineBook {
  private readonly entries = new Map<string, { -readonly [K in keyof LineEntry]: LineEntry[K] }>();

  add(e: LineEntry): void {
    if (!(e.quantity > 0)) return;
    const key = `${e.item}@${e.intervalSeconds ?? ''}@${e.scalesWith}`;
    const prev = this.entries.get(key);
    if (prev) prev.quantity += e.quantity;
    else this.entries.set(key, { ...e });
  }

  lines(checks: number): CostLine[] {
    const order = (item: CostItem) => COST_ITEMS.indexOf(item);
    return [...this.entries.values()]
      .sort((x, y) => order(x.item) - order(y.item) || (x.intervalSeconds ?? Infinity) - (y.intervalSeconds ?? Infinity))
      .map((e) => {
        const unitUsd = PRICES[e.price].usd;
        const usd = e.quantity * unitUsd;
        return { ...e, unitUsd, usd, perCheckUsd: usd / checks };
      });
  }
}
