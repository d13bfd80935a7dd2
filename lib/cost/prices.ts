/**
 * The price table (./prices.json) as typed data. Every price carries its source, the quoted sentence
 * or table row, and how sure that is (`evidence`); nothing in lib/cost hard-codes a price.
 */
import priceTable from './prices.json';

/** How a price is known (see prices.json's note). */
export type PriceEvidence = 'official' | 'official-research' | 'vendor-docs' | 'third-party' | 'unverified';

/** One priced item of prices.json. */
export interface Price {
  readonly usd: number;
  readonly per: string;
  /** Page name and URL(s). */
  readonly source: string;
  /** The sentence or table row the figure comes from. */
  readonly quote: string;
  readonly evidence: PriceEvidence;
  readonly takenOn: string;
}

export type PriceName = keyof typeof priceTable.prices;

/** The price table (read-only data; edit prices.json to change a price). */
export const PRICES: Readonly<Record<PriceName, Price>> = priceTable.prices as Record<PriceName, Price>;

/** The region the table prices (every location is priced as this region). */
export const PRICE_REGION: string = priceTable.region;
/** When the table was last reviewed. */
export const PRICES_TAKEN_ON: string = priceTable.takenOn;
/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH: number = priceTable.hoursPerMonth;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
