/**
 * A local SSM Parameter Store endpoint on 127.0.0.1 for the real SDK: AWS JSON 1.1 (`POST /`,
 * `X-Amz-Target: AmazonSSM.GetParameter`), signature required by the SDK but not verified. Only
 * GetParameter is spoken; values, failures and hangs are scripted per parameter name.
 *
 * Wire format as @aws-sdk/client-ssm reads it (AwsJson1_1Protocol, serviceTarget "AmazonSSM"): a
 * value is `{"Parameter": {"Name", "Type", "Value", "Version", "LastModifiedDate", "ARN", "DataType"}}`
 * (LastModifiedDate in epoch seconds); an error is its type in `__type` and `x-amzn-errortype`, with
 * an optional `message`. Real SSM answers ParameterNotFound with a 400 and no message.
 */
import { startJsonEndpoint, type JsonAnswer } from './aws-json-endpoint';

export type ParameterAnswer =
  | { readonly kind: 'value'; readonly value: string; readonly type?: 'SecureString' | 'String' | 'StringList' }
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message?: string }
  | { readonly kind: 'hang' }
  /** Exactly this body with this status (a garbled or truncated answer). */
  | { readonly kind: 'raw'; readonly status: number; readonly body: string };

const DENIED =
  'User: arn:aws:sts::123456789012:assumed-role/synthmon-runner/synthmon-check is not authorized to perform: ssm:GetParameter ' +
  'on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/synthmon/denied because no identity-based policy allows the ssm:GetParameter action';
const KMS_DENIED =
  'User: arn:aws:sts::123456789012:assumed-role/synthmon-runner/synthmon-check is not authorized to perform: kms:Decrypt ' +
  'on resource: arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-0000-4000-8000-000000000000 because no identity-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)';

export const ParameterAnswers = {
  notFound: { kind: 'error', status: 400, type: 'ParameterNotFound' },
  accessDenied: { kind: 'error', status: 400, type: 'AccessDeniedException', message: DENIED },
  kmsDenied: { kind: 'error', status: 400, type: 'AccessDeniedException', message: KMS_DENIED },
  internal: { kind: 'error', status: 500, type: 'InternalServerError', message: 'An error occurred on the server side.' },
  throttled: { kind: 'error', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
  hang: { kind: 'hang' },
} as const satisfies Record<string, ParameterAnswer>;

/** One GetParameter request as received. */
export interface ParameterRead {
  readonly name: string;
  /** True only when the request said WithDecryption: true (a SecureString is returned encrypted otherwise). */
  readonly withDecryption: boolean;
}

export interface SsmEndpoint {
  /** For AWS_ENDPOINT_URL_SSM. */
  readonly endpoint: string;
  /** GetParameter requests, in order. */
  readonly reads: readonly ParameterRead[];
  /** Every request body received (for token-absence checks: the request never carries the value). */
  readonly bodies: readonly string[];
  /** What GetParameter answers for a parameter name from now on (unset names: ParameterNotFound). */
  set(name: string, answer: ParameterAnswer): void;
  /** Reads of one parameter so far. */
  readsOf(name: string): number;
  /** Client connections currently open (idle keep-alive ones included). */
  openSockets(): number;
  /** Connections holding a request that was never answered ('hang') and still open: a client that gave up must close them. */
  hungSockets(): number;
  close(): Promise<void>;
}

export async function startSsmEndpoint(): Promise<SsmEndpoint> {
  const answers = new Map<string, ParameterAnswer>();
  const reads: ParameterRead[] = [];
  const base = await startJsonEndpoint('AmazonSSM.GetParameter', (input): JsonAnswer => {
    const name = String(input.Name);
    reads.push({ name, withDecryption: input.WithDecryption === true });
    const answer: ParameterAnswer = answers.get(name) ?? ParameterAnswers.notFound;
    if (answer.kind !== 'value') return answer;
    const type = answer.type ?? 'SecureString';
    // Without WithDecryption SSM returns the ciphertext of a SecureString, which is never the token.
    const value = type === 'SecureString' && input.WithDecryption !== true ? Buffer.from(`kms-ciphertext:${name}`).toString('base64') : answer.value;
    return {
      kind: 'json',
      body: {
        Parameter: {
          Name: name,
          Type: type,
          Value: value,
          Version: 1,
          LastModifiedDate: 1_700_000_000.123,
          ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter/${name.replace(/^\//, '')}`,
          DataType: 'text',
        },
      },
    };
  });
  return {
    ...base,
    reads,
    set: (name, answer) => void answers.set(name, answer),
    readsOf: (name) => reads.filter((r) => r.name === name).length,
  };
}
