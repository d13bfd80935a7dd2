/**
 * Regions: `locations` and `homeRegion` name regions this aws-cdk-lib knows (contracts/regions.ts,
 * generated from aws-cdk-lib/region-info), all in one partition (the partition rule is a
 * cross-field rule, contracts/config/rules.ts).
 */
import { partitionOf, REGION_PARTITIONS } from '../regions';
import { checkedString } from './fields';

const REGION_ERROR = 'must be an AWS region name such as eu-west-1';

const KNOWN_REGIONS = Object.keys(REGION_PARTITIONS);

/** Levenshtein distance, for "e.g. <the closest known region>". */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The known region closest to a misspelt one (at most 3 edits away; the first in order on a tie), else eu-west-1. */
function closestRegion(value: string): string {
  let best = 'eu-west-1';
  let bestDistance = 4;
  for (const region of KNOWN_REGIONS) {
    const d = editDistance(value, region);
    if (d < bestDistance) [best, bestDistance] = [region, d];
  }
  return best;
}

/** A region name this aws-cdk-lib knows: the runner stacks are pinned to it and the runners publish to it. */
export const regionSchema = checkedString(REGION_ERROR, (value) => {
  if (partitionOf(value) !== undefined) return undefined;
  if (partitionOf(value.trim().toLowerCase()) !== undefined) return `must be written as AWS writes it, "${value.trim().toLowerCase()}"`;
  return `must be an AWS region this aws-cdk-lib knows (${KNOWN_REGIONS.length} regions, e.g. ${closestRegion(value)})`;
});
