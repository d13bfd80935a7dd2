/**
 * `synthmon`: the command-line face of the monitor (README.md#cli). `probe` runs the Lambda's own
 * runCheck (and, with --publish, its publisher); `demo` is the embedded default; `cost` estimates the
 * monthly bill; `--version` prints the package version. Exit status: 0 every check ok, 1 any check or
 * publishing failed, 2 usage or configuration error (message on stderr, never a stack trace, never a token).
 */
import { ConfigError, loadConfigFile, parseConfig } from '../contracts/config';
import defaultConfigJson from '../config/default.json';
import { estimateCost, formatCostTable } from '../lib/cost/estimate';
import { version } from '../package.json';
import { HELP, parseCommandLine, SHORT_USAGE, shortTokenProblem, UsageError, type Command, type HelpTopic } from './cli/args';
import { shouldColor } from './cli/format';
import { flushOutput, processIo, type Io } from './cli/io';
import { DEFAULT_TOKEN_ENV, probeCommand } from './cli/probe';

/** Exit statuses of README.md#cli. */
const ExitCode = { OK: 0, FAILED: 1, USAGE: 2 } as const;

async function run(command: Command, io: Io): Promise<number> {
  switch (command.command) {
    case 'help':
      io.out(HELP[command.topic]);
      return ExitCode.OK;
    case 'version':
      io.out(version);
      return ExitCode.OK;
    case 'probe': {
      const problem = shortTokenProblem(command, io.env);
      if (problem) throw new UsageError([problem], 'probe');
      return probeCommand(command, io);
    }
    case 'cost': {
      const config = command.configFile ? loadConfigFile(command.configFile) : parseConfig(defaultConfigJson, 'the embedded default configuration');
      io.out(formatCostTable(estimateCost(config)));
      return ExitCode.OK;
    }
    case 'demo': {
      // Loaded on demand: the demo pulls in the replica servers and the alarm evaluator.
      const { runDemo } = await import('../demo/demo');
      const summary = await runDemo({ out: process.stdout, color: io.color, verbose: command.verbose ?? false });
      const reported = command.reportFile ? (await import('./cli/demo-report')).writeDemoReport(io, command.reportFile, summary) : true;
      // The demo prints its own account of anything that did not go as scripted.
      return summary.ok && reported ? ExitCode.OK : ExitCode.FAILED;
    }
    case 'status':
      return (await import('./cli/status')).statusCommand(command, io, { incidents: (await import('./cli/status-incidents')).tableIncidents });
  }
}

/** Run the CLI; resolves to the exit status. */
async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const io = processIo(env, shouldColor(env, process.stdout));
  // Whatever command runs, the default token variable's value never reaches the output.
  const defaultToken = env[DEFAULT_TOKEN_ENV];
  if (defaultToken) io.addSecret(defaultToken);
  try {
    return await run(parseCommandLine(argv), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(
        `synthmon: ${err.message}\n\n${err.topic === 'main' ? SHORT_USAGE : usageOf(err.topic)}\n\nRun "synthmon help${err.topic === 'main' ? '' : ` ${err.topic}`}" for details.`,
      );
      return ExitCode.USAGE;
    }
    if (err instanceof ConfigError) {
      io.err(`synthmon: ${err.message}`);
      return ExitCode.USAGE;
    }
    // A bug, not a user error: one line, the stack only on request.
    io.err(`synthmon: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    if (env.SYNTHMON_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    return ExitCode.FAILED;
  }
}

/** The usage lines of one command (the top of its help). */
function usageOf(topic: Exclude<HelpTopic, 'main'>): string {
  const help = HELP[topic];
  const end = help.indexOf('\n\n');
  return end === -1 ? help : help.slice(0, end);
}

// `synthmon probe … | head -1` closes stdout early: that is the reader's choice, not a crash to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.OK);
    throw err;
  });
}

void main(process.argv.slice(2), process.env).then(async (code) => {
  process.exitCode = code;
  // Exit explicitly once the output is flushed: an SDK keep-alive socket must not hold the CLI open.
  await flushOutput();
  process.exit(code);
});
