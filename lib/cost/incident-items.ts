/**
 * The line items the incident pipeline adds to the bill (lib/cost/incidents.ts prices them), in the
 * order they print. Apart so that report.ts can list them without importing the pricing code.
 */
export const INCIDENT_COST_ITEMS = [
  'Incidents: DynamoDB writes',
  'Incidents: DynamoDB reads',
  'Incidents: DynamoDB storage',
  'Incidents: runner time on the store',
  'Incidents: backstop notifier requests',
  'Incidents: backstop notifier compute',
  'Incidents: SNS publishes',
  'Incidents: SNS e-mail deliveries',
] as const;
export type IncidentCostItem = (typeof INCIDENT_COST_ITEMS)[number];
