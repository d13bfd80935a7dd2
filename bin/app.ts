/**
 * The CDK app: load and validate the configuration (`-c config=path.json`, default
 * config/default.json), build the monitor's stacks, and check them with cdk-nag's AWS Solutions rules.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfigFile, type MonitorConfig } from '../contracts/config';
import { buildMonitorStacks } from '../lib/monitor-stack';

const DEFAULT_CONFIG = 'config/default.json';

const app = new App();
const configFile = String(app.node.tryGetContext('config') ?? DEFAULT_CONFIG);

let config: MonitorConfig;
try {
  config = loadConfigFile(configFile);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // The CDK CLI shows stderr as is; a stack trace would only bury the list of problems.
  console.error(err.message);
  process.exit(1);
}

const stackName = String(app.node.tryGetContext('stackName') ?? 'SyntheticMonitor');
// The description names the fleet's size, never its checks: it must stay under CloudFormation's
// 1,024 characters (CDK stops at 512) for any fleet.
buildMonitorStacks(app, stackName, config, `synthmon: ${config.checks.length} synthetic checks (config ${configFile.slice(-200)})`);

// cdk-nag v3 is a policy-validation plugin: any unacknowledged finding fails `cdk synth`. The
// acknowledgments are also written into the template's Metadata (cdk_nag.rules_to_suppress), so
// reviewers see every suppression and its reason where the resource is.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
