/**
 * The ProbeRunner construct (DESIGN §8): one runner function per location, and one EventBridge
 * Scheduler schedule per shard invoking it with `{"shard": id}`. The shards' checks travel in the
 * function's asset (fleet.json beside index.js), not in the schedule input: the template stays small
 * for a fleet of a thousand checks, and the runner runs exactly what the CDK app validated.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { MonitorConfig, ResolvedToken } from '../contracts/config';
import { FLEET_FILE, HandlerEnvVar } from '../contracts/handler-env';
import { grantIncidentTable, incidentEnvironment, type RunnerIncidentProps } from './incidents';
import { CHECK_KINDS } from '../contracts/kinds';
import { fleetFile } from './fleet/file';
import type { FleetPlan } from './fleet/plan';

/** The handler the runner function runs. */
export const HANDLER_ENTRY = path.join(__dirname, '..', 'lambda', 'handler.ts');

const LAMBDA_DIR = path.dirname(HANDLER_ENTRY);

/**
 * Modules the handler loads with `await import()` on first use, not at init: each probe kind (ws /
 * undici) and the AWS SDK clients. They are left out of index.js and shipped as their own minified
 * CJS files where require() from /var/task/index.js resolves them, so init parses and compiles only
 * what it runs. `specifier` is the import as written in lambda/ (every importer lives in lambda/
 * itself, next to handler.ts); `entry` is a source file or a package resolved from this project's
 * node_modules (the deployed SDK is the version the tests ran against); `file` is the path in the asset.
 */
export const LAZY_CHUNKS: ReadonlyArray<{ readonly specifier: string; readonly entry: string; readonly file: string }> = [
  // The probe of each kind (lambda/probes.ts imports `./checks/<kind>`): a new kind needs no entry here.
  ...CHECK_KINDS.map((kind) => ({ specifier: `./checks/${kind}`, entry: path.join(LAMBDA_DIR, 'checks', `${kind}.ts`), file: `checks/${kind}.js` })),
  { specifier: '@aws-sdk/client-cloudwatch', entry: '@aws-sdk/client-cloudwatch', file: 'node_modules/@aws-sdk/client-cloudwatch/index.js' },
  { specifier: '@aws-sdk/client-ssm', entry: '@aws-sdk/client-ssm', file: 'node_modules/@aws-sdk/client-ssm/index.js' },
  { specifier: '@aws-sdk/client-dynamodb', entry: '@aws-sdk/client-dynamodb', file: 'node_modules/@aws-sdk/client-dynamodb/index.js' },
  { specifier: '@aws-sdk/client-sns', entry: '@aws-sdk/client-sns', file: 'node_modules/@aws-sdk/client-sns/index.js' },
  {
    specifier: '@aws-sdk/client-secrets-manager',
    entry: '@aws-sdk/client-secrets-manager',
    file: 'node_modules/@aws-sdk/client-secrets-manager/index.js',
  },
];

/** Builds LAZY_CHUNKS into a bundling output directory (run by the afterBundling hook). */
export const LAZY_CHUNKS_SCRIPT = path.join(__dirname, '..', 'scripts', 'bundle-lambda-chunks.mjs');

/**
 * How the handler is bundled (local esbuild, never Docker): index.js with LAZY_CHUNKS external, then
 * the chunks, built by the afterBundling hook with the same target and minification. No source
 * maps: nothing reads them at run time (--enable-source-maps costs ~40 ms of every cold start),
 * and they were 2.7 MB of the asset. Exported so the benchmark and the tests check this artifact.
 */
export const HANDLER_BUNDLING = {
  minify: true,
  sourceMap: false,
  target: 'node24',
  format: nodejs.OutputFormat.CJS,
  bundleAwsSDK: true,
  externalModules: LAZY_CHUNKS.map((c) => c.specifier),
  esbuildArgs: {
    // esbuild keeps an external import() as is, which Node would run through the ESM loader: that
    // resolves no package directory without package.json and may find no named exports in a
    // minified CJS chunk. Lowered: Promise.resolve().then(() => require()).
    '--supported:dynamic-import': 'false',
  },
  forceDockerBundling: false,
  logLevel: nodejs.LogLevel.WARNING,
} satisfies nodejs.BundlingOptions;

/** HANDLER_BUNDLING as esbuild build options: what NodejsFunction passes to the local esbuild for index.js. */
export const HANDLER_ESBUILD_OPTIONS = {
  entryPoints: [HANDLER_ENTRY],
  bundle: true,
  platform: 'node',
  target: HANDLER_BUNDLING.target,
  format: HANDLER_BUNDLING.format,
  minify: HANDLER_BUNDLING.minify,
  sourcemap: HANDLER_BUNDLING.sourceMap,
  external: HANDLER_BUNDLING.externalModules,
  supported: { 'dynamic-import': false },
} as const;

/** The bundling of one runner: HANDLER_BUNDLING plus the hook that adds the chunks and the fleet file. */
function runnerBundling(fleetFilePath: string): nodejs.BundlingOptions {
  return {
    ...HANDLER_BUNDLING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        lazyChunksCommand(outputDir),
        ['cp', fleetFilePath, path.join(outputDir, FLEET_FILE)].map(shellQuote).join(' '),
      ],
    },
  };
}

/**
 * The hook's shell command. The Node running the synth (the project's Node 24, whatever `node` is
 * on PATH) builds the chunks with the project's esbuild; every argument is quoted for bash -c.
 */
function lazyChunksCommand(outputDir: string): string {
  const spec = {
    outdir: outputDir,
    chunks: LAZY_CHUNKS.map(({ entry, file }) => ({ entry, file })),
    target: HANDLER_BUNDLING.target,
    minify: HANDLER_BUNDLING.minify,
    sourcemap: HANDLER_BUNDLING.sourceMap,
  };
  return [process.execPath, LAZY_CHUNKS_SCRIPT, JSON.stringify(spec)].map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The latest Node.js runtime this aws-cdk-lib knows (DESIGN §8). */
export const PROBE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface ProbeRunnerProps {
  /** The validated configuration. */
  readonly config: MonitorConfig;
  /** Its shard plan (planFleet). */
  readonly plan: FleetPlan;
  /** The location label this runner publishes as (its region, or `default` for a single-region monitor). */
  readonly location: string;
  /** Region of the metrics and tokens. @default - the runner's own region */
  readonly homeRegion?: string;
  /** Memory of the runner function. @default 512 */
  readonly memorySizeMb?: number;
  /** Retention of the runner's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long an asynchronous invocation may wait before Lambda drops it (the next scheduled run is
   * more useful than a late one); dropped events are counted by the function's AsyncEventsDropped
   * metric. @default Duration.minutes(1)
   */
  readonly maxEventAge?: Duration;
  /** The incident table this runner writes (lib/incidents.ts). @default - no incident pipeline */
  readonly incidents?: RunnerIncidentProps;
}

/**
 * A runner in one location: its function (the fleet file in its asset), log group, role (write to
 * its log group, PutMetricData in the namespace only, read exactly the token parameters and secrets
 * its checks use) and one schedule per shard.
 */
export class ProbeRunner extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The schedule of each shard, by shard id. */
  readonly schedules: ReadonlyMap<string, scheduler.Schedule>;
  /**
   * The secret ARNs granted with Secrets Manager's "-??????" suffix wildcard, as cdk-nag names them
   * (intrinsics as `<AWS::Region>` etc.), for the acknowledgment in lib/nag.ts.
   */
  readonly wildcardSecretResources: readonly string[] = [];

  constructor(scope: Construct, id: string, props: ProbeRunnerProps) {
    super(scope, id);
    const { config, plan } = props;
    const stack = Stack.of(this);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    // An own role instead of AWSLambdaBasicExecutionRole: write access to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `synthmon runner (${props.location}): its log group, its checks' tokens, PutMetricData in ${config.namespace}`,
    });
    this.logGroup.grantWrite(this.role);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutMetricDataInTheMonitorNamespaceOnly',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': config.namespace } },
      }),
    );
    const fleet = fleetFile(config, plan, props.incidents);
    this.grantTokens(Object.values(fleet.tokens), props.homeRegion ?? stack.region);
    if (props.incidents) grantIncidentTable(this, this.role, props.incidents.tableName, props.homeRegion ?? stack.region);

    // The fleet file is written at synth time and copied into the asset by the bundling hook; one
    // file per content (named by its hash) in one directory, so repeated synths leave no litter.
    const text = JSON.stringify(fleet);
    const dir = path.join(tmpdir(), 'synthmon-fleet');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`);
    writeFileSync(file, text);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      runtime: PROBE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 512,
      timeout: Duration.seconds(plan.functionTimeoutSeconds),
      // No check names or URLs here: the description is visible to anyone who can list functions.
      description: `synthmon runner (${props.location}): ${config.checks.length} checks in ${plan.shards.length} shards`,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        [HandlerEnvVar.LOCATION]: props.location,
        ...(props.homeRegion ? { [HandlerEnvVar.HOME_REGION]: props.homeRegion } : {}),
        ...(props.incidents ? incidentEnvironment(props.incidents) : {}),
      },
      // A failed run is a datapoint, not something to redo: retries would only arrive late.
      retryAttempts: 0,
      maxEventAge: props.maxEventAge ?? Duration.minutes(1),
      bundling: runnerBundling(file),
      depsLockFilePath: path.join(__dirname, '..', 'package-lock.json'),
      projectRoot: path.join(__dirname, '..'),
    });

    const schedulerRole = new iam.Role(this, 'ScheduleRole', {
      description: `EventBridge Scheduler: invoke the synthmon runner (${props.location})`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    const target = (shard: string) =>
      new InvokeLatestVersion(this.function, {
        role: schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject({ shard, scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        // Scheduler retries only a rejected Invoke call (throttling), never a failed run; within
        // the interval a retry is still on time, after it the next run is.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(1),
      });

    const schedules = new Map<string, scheduler.Schedule>();
    for (const shard of plan.shards) {
      const schedule = new scheduler.Schedule(this, `Schedule-${shard.id}`, {
        description: `synthmon: run shard ${shard.id} (${shard.checks.length} checks${shard.fast ? `, ${shard.ticksPerInvocation} ticks of ${shard.intervalSeconds} s` : ''}) every ${shard.invokeEverySeconds / 60} min`,
        schedule: scheduler.ScheduleExpression.rate(Duration.seconds(shard.invokeEverySeconds)),
        // Evenly spaced runs: the alarms count datapoints per period, a flexible window would blur them.
        timeWindow: scheduler.TimeWindow.off(),
        target: target(shard.id),
      });
      // The role's policy must exist before the schedule first fires, or the first run is denied.
      schedule.node.addDependency(schedulerRole);
      schedules.set(shard.id, schedule);
    }
    this.schedules = schedules;
  }

  /** Read access to exactly the tokens' parameters and secrets (in the home region). */
  private grantTokens(tokens: readonly ResolvedToken[], region: string): void {
    const stack = Stack.of(this);
    const parameters = tokens.flatMap((t) =>
      t.parameter
        ? [stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: t.parameter.replace(/^\//, '') })]
        : [],
    );
    if (parameters.length) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTokenParameters', actions: ['ssm:GetParameter'], resources: parameters }));
    }
    const secrets = tokens.flatMap((t) => {
      if (!t.secret) return [];
      if ('arn' in t.secret) {
        // A complete ARN ends in the 6-character suffix Secrets Manager appends; a partial one is granted on "<arn>-??????".
        if (/-[A-Za-z0-9]{6}$/.test(t.secret.arn)) return [t.secret.arn];
        (this.wildcardSecretResources as string[]).push(`${t.secret.arn}-??????`);
        return [`${t.secret.arn}-??????`];
      }
      const arn = stack.formatArn({ service: 'secretsmanager', region, resource: 'secret', resourceName: `${t.secret.name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      const shownRegion = Token.isUnresolved(region) ? '<AWS::Region>' : region;
      (this.wildcardSecretResources as string[]).push(`arn:<AWS::Partition>:secretsmanager:${shownRegion}:<AWS::AccountId>:secret:${t.secret.name}-??????`);
      return [arn];
    });
    if (secrets.length) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTokenSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
    }
  }
}

/**
 * Scheduler → Lambda with invoke rights on the unqualified function only. The stock LambdaInvoke
 * target grants `<function arn>:*` (every version and alias) as well, which the schedule never needs.
 */
class InvokeLatestVersion extends schedulerTargets.ScheduleTargetBase implements scheduler.IScheduleTarget {
  constructor(
    private readonly fn: lambda.IFunction,
    props: schedulerTargets.ScheduleTargetBaseProps,
  ) {
    super(props, fn.functionArn);
  }

  protected addTargetActionToRole(role: iam.IRole): void {
    this.fn.grantInvokeLatestVersion(role);
  }
}
