/** Shared by the fleet: Secrets Manager secrets, the dashboard and the alarm topic's KMS key. */
import type { CostSection } from '../lines';

export const sharedSection: CostSection = ({ config, a }, book) => {
  const secrets = new Set(
    Object.values(config.tokens)
      .filter((t) => t.secret && config.checks.some((c) => c.auth?.token === t.name))
      .map((t) => JSON.stringify(t.secret)),
  );
  book.add({
    item: 'Tokens: Secrets Manager secrets',
    quantity: secrets.size,
    unit: 'secret-months',
    price: 'secretMonth',
    scalesWith: 'tokens',
    basis: 'tokens that name a Secrets Manager secret',
  });
  book.add({
    item: 'Dashboard',
    quantity: 1,
    unit: 'dashboard-months',
    price: 'dashboardMonth',
    scalesWith: 'fleet',
    basis: 'one dashboard for the fleet',
  });
  if (a.ownTopicKey) {
    book.add({
      item: 'KMS key (alarm topic)',
      quantity: 1,
      unit: 'key-months',
      price: 'kmsKeyMonth',
      scalesWith: 'fleet',
      basis: 'the key the stack creates for the SNS topic (rotation enabled)',
    });
    book.add({
      item: 'KMS key rotations',
      quantity: 2,
      unit: 'rotation surcharges',
      price: 'kmsKeyRotationMonth',
      scalesWith: 'fleet',
      fromYear: 2,
      basis: 'each of the first two yearly rotations adds $1/month: $2/month in year 2, $3/month from year 3 (counted at $3)',
    });
  }
};
