/**
 * The incident pipeline's resources (docs/DESIGN.md#incidents): one DynamoDB table in the home
 * region (partition key `pk`, on demand, TTL on `ttl`), the runners' access to it by name (a runner
 * in another region gets the ARN built from the name, no cross-stack reference) and their
 * environment. The alarm on undelivered pages (NotificationFailures) is an alarm definition like
 * every other (lib/alarms/definitions.ts), placed under this construct (its logical id unchanged).
 */
import { createHash } from 'node:crypto';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HandlerEnvVar } from '../contracts/handler-env';

/** The TTL attribute (lambda/incidents/items.ts TTL_ATTRIBUTE). */
const TTL_ATTRIBUTE = 'ttl';

/**
 * The table's name, from the monitor's alarm prefix (`<stack>-<construct id>`): fixed, so a runner
 * stack in another region names it without a reference. Table names are "between 3 and 255
 * characters long, and can contain only the following characters: a-z, A-Z, 0-9, _ (underscore),
 * - (dash), . (dot)" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html):
 * other characters become `-`, and a longer name keeps its head and a hash.
 */
export function incidentTableName(monitorPrefix: string): string {
  const name = `${monitorPrefix}-incidents`.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (name.length <= 255) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${name.slice(0, 255 - 24)}-${hash}-incidents`;
}

/** What a runner needs to take part: the table's name and region, the monitor's name, the dashboard's name. */
export interface RunnerIncidentProps {
  readonly tableName: string;
  /** The monitor's name in every notification (the stack name). */
  readonly monitor: string;
  /** The dashboard's name, for the page's console link. @default - no dashboard link */
  readonly dashboardName?: string;
}

/** The runner's environment for the incident pipeline. */
export function incidentEnvironment(props: RunnerIncidentProps): Record<string, string> {
  return { [HandlerEnvVar.INCIDENT_TABLE]: props.tableName, ...(props.dashboardName ? { [HandlerEnvVar.DASHBOARD]: props.dashboardName } : {}) };
}

/**
 * Read and write on the table, by ARN from its name and the home region (the runner's stack may be
 * in another region): exactly the calls lambda/incidents/store.ts makes.
 */
export function grantIncidentTable(scope: Construct, role: iam.IRole, tableName: string, homeRegion: string): void {
  const arn = Stack.of(scope).formatArn({ service: 'dynamodb', region: homeRegion, resource: 'table', resourceName: tableName });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'IncidentTable',
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [arn],
    }),
  );
}

export interface IncidentTableProps {
  readonly tableName: string;
}

/** The table, in the home stack. */
export class IncidentTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IncidentTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Transient state (open incidents, recent verdicts); a fixed name must be free again after a destroy.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
