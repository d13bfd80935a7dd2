/**
 * The cost model's sections, in the order of the bill. A new part of the bill (say the incident
 * pipeline's table and notifier) is a file here exporting a CostSection, its items in COST_ITEMS
 * (lib/cost/report.ts, which orders the lines) and one line in this table.
 */
import type { CostSection } from '../lines';
import { alarmsSection } from './alarms';
import { incidentsSection } from './incidents';
import { metricsSection } from './metrics';
import { runnerSection } from './runner';
import { sharedSection } from './shared';

export const COST_SECTIONS: readonly CostSection[] = [runnerSection, metricsSection, alarmsSection, sharedSection, incidentsSection];
