/**
 * A local Secrets Manager endpoint on 127.0.0.1 for the real SDK: AWS JSON 1.1 (`POST /`,
 * `X-Amz-Target: secretsmanager.GetSecretValue`), signature required by the SDK but not verified.
 * Only GetSecretValue is spoken; secrets, failures and hangs are scripted per test.
 */
import { startJsonEndpoint, type JsonAnswer } from './aws-json-endpoint';

export type SecretAnswer =
  | { readonly kind: 'value'; readonly secretString?: string; readonly secretBinary?: string }
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message: string }
  | { readonly kind: 'hang' };

export const SecretAnswers = {
  notFound: { kind: 'error', status: 400, type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
  accessDenied: {
    kind: 'error',
    status: 400,
    type: 'AccessDeniedException',
    message: 'User is not authorized to perform: secretsmanager:GetSecretValue',
  },
  internal: { kind: 'error', status: 500, type: 'InternalServiceError', message: 'An error occurred on the server side.' },
  hang: { kind: 'hang' },
} as const satisfies Record<string, SecretAnswer>;

export interface SecretsEndpoint {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  readonly endpoint: string;
  /** SecretIds asked for, in order. */
  readonly reads: readonly string[];
  /** What GetSecretValue answers for a secret id from now on. */
  set(secretId: string, answer: SecretAnswer): void;
  /** Every request body received (for token-absence checks: the request never carries the value). */
  readonly bodies: readonly string[];
  /** Reads of one secret id so far. */
  readsOf(secretId: string): number;
  /** Client connections currently open (idle keep-alive ones included). */
  openSockets(): number;
  /** Connections holding a request that was never answered ('hang') and still open: a client that gave up must close them. */
  hungSockets(): number;
  close(): Promise<void>;
}

export async function startSecretsEndpoint(): Promise<SecretsEndpoint> {
  const answers = new Map<string, SecretAnswer>();
  const reads: string[] = [];
  const base = await startJsonEndpoint('secretsmanager.GetSecretValue', (input): JsonAnswer => {
    const secretId = String(input.SecretId);
    reads.push(secretId);
    const answer = answers.get(secretId) ?? SecretAnswers.notFound;
    if (answer.kind !== 'value') return answer;
    return {
      kind: 'json',
      body: {
        ARN: secretId.startsWith('arn:') ? secretId : `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secretId}-AbCdEf`,
        Name: secretId,
        VersionId: 'v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000,
        ...(answer.secretString !== undefined ? { SecretString: answer.secretString } : {}),
        ...(answer.secretBinary !== undefined ? { SecretBinary: answer.secretBinary } : {}),
      },
    };
  });
  return {
    ...base,
    reads,
    set: (secretId, answer) => void answers.set(secretId, answer),
    readsOf: (secretId) => reads.filter((id) => id === secretId).length,
  };
}
