/**
 * Where a small fleet's money goes and what can be cut without losing what the product is for
 * (docs/DESIGN.md#cost-and-time-to-detect: the seed's own configuration, 2 checks at 60 s in one region, should cost ≤ $6.00 a
 * month all-in). For a fleet of two checks the fixed items dominate: the dashboard ($3) and the alarm
 * topic's customer managed KMS key ($1, $3 from the third year with rotation). Each cut below is
 * priced by the same estimate (estimateCost) with one assumption changed, so it stays true to what
 * the stack deploys; none is applied by default: each needs a change in the stack (see `requires`).
 */
import type { MonitorConfig } from '../../contracts/config';
import { estimateCost } from './estimate';
import type { CostAssumptions, CostReport } from './report';

/** One proposed cut, priced against the estimate as deployed. */
export interface CostCut {
  readonly key: 'awsManagedTopicKey' | 'noDashboard' | 'smallShardMemory';
  readonly label: string;
  /** Monthly saving, steady state. */
  readonly savesUsd: number;
  /** What the stack must change for the cut to hold. */
  readonly requires: string;
  /** The AWS behaviour the cut relies on: URL and the sentence. */
  readonly source: string;
}

export interface CostCuts {
  /** The estimate as deployed (incidents included). */
  readonly deployedUsd: number;
  readonly firstYearUsd: number;
  readonly cuts: readonly CostCut[];
  /** Every cut applied together. */
  readonly afterUsd: number;
  /** The key and memory cuts, the dashboard kept. */
  readonly afterKeepingDashboardUsd: number;
}

/** The runner memory proposed for shards of at most 50 checks (500 checks peak at 179 MB: bench `runner`). */
export const SMALL_SHARD_MEMORY_MB = 256;

const dashboardUsd = (r: CostReport) => r.lines.filter((l) => l.item === 'Dashboard').reduce((s, l) => s + l.usd, 0);

/** The cuts for a configuration, each priced alone and all together. */
export function costCuts(config: MonitorConfig, assumptions: Partial<CostAssumptions> = {}): CostCuts {
  const deployed = estimateCost(config, assumptions);
  const noKey = estimateCost(config, { ...assumptions, ownTopicKey: false });
  const smaller = estimateCost(config, { ...assumptions, memoryMb: SMALL_SHARD_MEMORY_MB });
  const all = estimateCost(config, { ...assumptions, ownTopicKey: false, memoryMb: SMALL_SHARD_MEMORY_MB });
  const cuts: CostCut[] = [
    {
      key: 'awsManagedTopicKey',
      label: 'encrypt the topic with the AWS managed key alias/aws/sns',
      savesUsd: deployed.totalUsd - noKey.totalUsd,
      requires:
        "no AWS service principal publishes to the topic: the alarms' EventBridge rule targets the backstop notifier Lambda, " +
        'and only the runner and the notifier (IAM principals of the account) publish to it; CloudWatch alarm actions and an ' +
        'EventBridge rule with the topic as target would need a key policy naming their service principal',
      source:
        'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying.html: "you can only change the key policy for a customer managed key" | ' +
        'https://aws.amazon.com/kms/pricing/: "You are not charged for the following: Creation and storage of AWS managed or AWS owned KMS keys."',
    },
    {
      key: 'noDashboard',
      label: 'no dashboard for a small fleet (an option), or count it in the free tier',
      savesUsd: dashboardUsd(deployed),
      requires:
        "an option to skip the dashboard (pages link the check's logs and metrics instead); an account with fewer than 3 dashboards pays nothing for it anyway",
      source:
        'https://aws.amazon.com/cloudwatch/pricing/ (free tier): "3 Dashboards for up to 50 metrics per month" (lib/cost/prices.json dashboardMonth)',
    },
    {
      key: 'smallShardMemory',
      label: `runner memory ${SMALL_SHARD_MEMORY_MB} MB instead of ${deployed.assumptions.memoryMb} MB when every shard is small`,
      savesUsd: deployed.totalUsd - smaller.totalUsd,
      requires: `memory sized by the largest shard (500 checks peak at 179 MB, bench "runner"; a 2-check shard is far below ${SMALL_SHARD_MEMORY_MB} MB); a quarter of a vCPU still handshakes TLS in milliseconds`,
      source: 'https://aws.amazon.com/lambda/pricing/: "$0.0000133334 per GB-second" (arm64; lib/cost/prices.json lambdaGbSecondArm64)',
    },
  ];
  return {
    deployedUsd: deployed.totalUsd,
    firstYearUsd: deployed.firstYear.totalUsd,
    cuts,
    afterUsd: all.totalUsd - dashboardUsd(all),
    afterKeepingDashboardUsd: all.totalUsd,
  };
}
