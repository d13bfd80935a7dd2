/** The incident pipeline's part of the bill: its table, the verdict writes, the backstop notifier and SNS (lib/cost/incidents.ts). */
import { incidentCostEntries } from '../incidents';
import type { CostSection } from '../lines';

export const incidentsSection: CostSection = ({ config, plan, locations, a }, book) => {
  for (const e of incidentCostEntries({ config, plan, locations, cost: a })) book.add(e);
};
