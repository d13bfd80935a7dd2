/** The goals of the design brief, printed beside the numbers (never asserted). */
import { COST_GOALS_USD } from '../lib/cost/estimate';

/** The goals of the design brief (docs/DESIGN.md#stacks-that-scale, docs/DESIGN.md#cost-and-time-to-detect), printed beside the numbers. */
export const GOALS = {
  overheadRatio: 1.05,
  initMs: 60,
  peakRssMb: 200,
  wallOverSlowestMs: 250,
  leakedHandles: 0,
  rssGrowthMb: 20,
  synthSeconds: 180,
  resourcesPerStack: 500,
  /** CloudFormation's 1 MB template quota, taken as 10^6 bytes to err on the safe side. */
  templateBytes: 1_000_000,
  outputsPerStack: 200,
  dashboardWidgets: 500,
  mttdMeanS: 95,
  fastMttdMeanS: 20,
  fastMttdWorstS: 40,
  costUsd: COST_GOALS_USD.standard,
  fastCostUsd: COST_GOALS_USD.fast,
} as const;
