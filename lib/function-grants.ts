/**
 * What the runner's role (lib/runner.ts) and the backstop notifier's (lib/backstop.ts) are both
 * made of: an own role and log group, PutMetricData in the monitor's namespace only, read access to
 * the tokens, and publish rights for the SNS channels.
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { MonitorConfig, ResolvedToken } from '../contracts/config';
import { usesMonitorTopic } from '../contracts/handler-env';

/**
 * The function's log group (`Logs`) and role (`Role`), created under `scope`. An own role instead of
 * AWSLambdaBasicExecutionRole: write access to this log group only, and PutMetricData only in the
 * namespace (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html:
 * "The following policy limits the user to publishing metrics only in the namespace named
 * MyCustomNamespace" — Resource "*", Condition StringEquals cloudwatch:namespace).
 */
export function functionRole(
  scope: Construct,
  o: { readonly description: string; readonly namespace: string; readonly logRetention?: logs.RetentionDays },
): { logGroup: logs.LogGroup; role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: o.logRetention ?? logs.RetentionDays.ONE_MONTH });
  const role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: o.description });
  logGroup.grantWrite(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PutMetricDataInTheMonitorNamespaceOnly',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': o.namespace } },
    }),
  );
  return { logGroup, role };
}

/**
 * Read access to exactly the tokens' parameters and secrets (in the home region), for the runner's
 * role and the backstop notifier's. Returns the secret ARNs granted with Secrets
 * Manager's "-??????" suffix wildcard, as cdk-nag names them, for the acknowledgment in lib/nag.ts.
 */
export function grantTokenReads(role: iam.IRole, tokens: readonly ResolvedToken[], region: string): string[] {
  const stack = Stack.of(role);
  const wildcards: string[] = [];
  const parameters = tokens.flatMap((t) =>
    t.parameter ? [stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: t.parameter.replace(/^\//, '') })] : [],
  );
  if (parameters.length) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTokenParameters', actions: ['ssm:GetParameter'], resources: parameters }));
  }
  const secrets = tokens.flatMap((t) => {
    if (!t.secret) return [];
    if ('arn' in t.secret) {
      // A complete ARN ends in the 6-character suffix Secrets Manager appends; a partial one is granted on "<arn>-??????".
      if (/-[A-Za-z0-9]{6}$/.test(t.secret.arn)) return [t.secret.arn];
      wildcards.push(`${t.secret.arn}-??????`);
      return [`${t.secret.arn}-??????`];
    }
    const arn = stack.formatArn({
      service: 'secretsmanager',
      region,
      resource: 'secret',
      resourceName: `${t.secret.name}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const shownRegion = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    wildcards.push(`arn:<AWS::Partition>:secretsmanager:${shownRegion}:<AWS::AccountId>:secret:${t.secret.name}-??????`);
    return [arn];
  });
  if (secrets.length) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTokenSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
  }
  return wildcards;
}

/**
 * Publish rights for the SNS channels (docs/DESIGN.md#notification-channels): the monitor's topic
 * when the email channel is on, the Amazon Q topic when configured; and the monitor topic's key.
 * SNS encrypts what a publisher sends with the topic's key, so the publisher needs the key too
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html: "Before you can use SSE, you
 * must configure AWS KMS key policies to allow encryption of topics and encryption and decryption of
 * messages"; CDK's Topic.grantPublish grants kms:Decrypt and kms:GenerateDataKey* the same way),
 * only through SNS in the topic's region: "The kms:ViaService condition key limits use of an AWS KMS key
 * to requests from specified AWS services", its value `<service>.<region>.amazonaws.com`
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service);
 * AWS::URLSuffix is amazonaws.com, or the partition's own suffix
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html).
 * The Amazon Q topic is the operator's: a customer managed key on it must allow this role itself.
 *
 * Returns the KMS key ARNs granted as `key/*` (no key known by ARN: a runner in another region than
 * the topic), as cdk-nag names them, for the acknowledgment in lib/nag.ts.
 */
export function grantChannelTopics(
  role: iam.IRole,
  config: MonitorConfig,
  o: {
    /** The monitor's topic (the email channel), when this function may publish to it. */
    readonly topic?: sns.ITopic;
    /** Its key. @default - the topic's masterKey, else `key/*` in `region` */
    readonly topicKey?: kms.IKey;
    /** The topic's region (the home region). */
    readonly region: string;
    /** The publish statement's Sid. */
    readonly publishSid: string;
  },
): string[] {
  const stack = Stack.of(role);
  const email = o.topic && usesMonitorTopic(config.notifications) ? o.topic : undefined;
  const topics = [...(email ? [email.topicArn] : []), ...(config.notifications.amazonQ ? [config.notifications.amazonQ.topicArn] : [])];
  if (topics.length) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: o.publishSid, actions: ['sns:Publish'], resources: topics }));
  }
  if (!email) return [];
  const key = o.topicKey ?? email.masterKey;
  const keyArn = key?.keyArn ?? stack.formatArn({ service: 'kms', region: o.region, resource: 'key', resourceName: '*' });
  const wildcards: string[] = [];
  if (!key) {
    const shown = (value: string, intrinsic: string) => (Token.isUnresolved(value) ? `<${intrinsic}>` : value);
    wildcards.push(
      `arn:${shown(stack.partition, 'AWS::Partition')}:kms:${shown(o.region, 'AWS::Region')}:${shown(stack.account, 'AWS::AccountId')}:key/*`,
    );
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EncryptForTheMonitorTopicThroughSns',
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: [keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${o.region}.${stack.urlSuffix}` } },
    }),
  );
  return wildcards;
}
