/**
 * The contract between the CDK construct and the Lambda handler: the environment variables the
 * construct sets and the handler reads once at cold start. Kept free of SDK and probe imports so
 * the CDK app can load it cheaply.
 */

/** Names of the handler's environment variables. */
export const HandlerEnvVar = {
  /** CloudWatch namespace for the metrics (required). */
  NAMESPACE: 'SYNTHMON_NAMESPACE',
  /** `true` to publish the optional phase-timing metrics. @default false */
  PHASE_TIMINGS: 'SYNTHMON_PHASE_TIMINGS',
  /** Secrets Manager secret (ARN or name) holding the check's token; unset: the check's tokenEnv variable. */
  TOKEN_SECRET: 'SYNTHMON_TOKEN_SECRET',
} as const;

/**
 * What the construct stores in a secret it creates: valid JSON of the expected shape with no token
 * yet. The token source reports it as "not set" (outcome `error`) instead of sending an empty token
 * that would page as a 401/403 before the operator has set the real one.
 */
export const TOKEN_SECRET_PLACEHOLDER = '{"token":""}';

/** The handler's configuration, read from the environment once per container. */
export interface HandlerEnv {
  readonly namespace: string;
  readonly phaseTimings: boolean;
  /** Where the token lives in AWS. @default - the check's `auth.tokenEnv` environment variable (local runs) */
  readonly tokenSecretId?: string;
}

/** Thrown when the environment is incomplete; the invocation fails so the function's Errors metric shows it. */
export class HandlerEnvError extends Error {
  readonly code = 'SYNTHMON_ENV_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'HandlerEnvError';
  }
}

/** Read and check the handler's environment (throws HandlerEnvError naming the variable). */
export function readHandlerEnv(env: NodeJS.ProcessEnv): HandlerEnv {
  const namespace = env[HandlerEnvVar.NAMESPACE]?.trim();
  if (!namespace) throw new HandlerEnvError(`Environment variable ${HandlerEnvVar.NAMESPACE} is required`);

  const rawTimings = env[HandlerEnvVar.PHASE_TIMINGS]?.trim() ?? '';
  if (rawTimings !== '' && rawTimings !== 'true' && rawTimings !== 'false') {
    throw new HandlerEnvError(
      `Environment variable ${HandlerEnvVar.PHASE_TIMINGS} must be "true" or "false", got ${JSON.stringify(rawTimings)}`,
    );
  }

  const tokenSecretId = env[HandlerEnvVar.TOKEN_SECRET]?.trim() || undefined;
  return { namespace, phaseTimings: rawTimings === 'true', ...(tokenSecretId ? { tokenSecretId } : {}) };
}
