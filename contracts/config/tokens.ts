/**
 * Named tokens: where each lives in AWS (SSM Parameter Store or Secrets Manager) and which
 * environment variable holds it locally. Checks name a token with auth.token; the value is never
 * in the configuration.
 */
import { z } from 'zod';
import { checkedString, ENV_NAME_RE, NAME_ERROR, NAME_RE, pattern } from './fields';

const ARN_SECRET_RE = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

const PARAMETER_ERROR = 'must be an SSM parameter name such as /synthmon/api-token (letters, digits, _ . - and /)';

/** SSM's parameter-name rules (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html). */
function parameterProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_.\-/]{1,1011}$/.test(name)) return PARAMETER_ERROR;
  if (name.includes('/') && !name.startsWith('/'))
    return 'must start with "/" when it has levels (SSM wants a fully qualified hierarchy), such as /synthmon/api-token';
  if (/\/\/|\/$/.test(name) || name === '/') return 'must not have an empty level ("//" or a trailing "/")';
  if (name.split('/').filter(Boolean).length > 15) return 'must have at most 15 levels (the SSM hierarchy limit)';
  if (/^\/?(?:aws|ssm)/i.test(name)) return 'must not start with "aws" or "ssm" (reserved by SSM)';
  return undefined;
}

/** Where a named token is kept: SSM Parameter Store (default) or Secrets Manager; locally an environment variable. */
export const TokenSchema = z
  .object(
    {
      /** Filled in by validation (the key); accepted so a validated configuration validates again. */
      name: z.string({ error: "must be the token's own name (its key in tokens)" }).optional(),
      /** Local runs (CLI) read the token from this environment variable. @default - SYNTHMON_TOKEN for "default", else SYNTHMON_TOKEN_<NAME> */
      env: pattern(ENV_NAME_RE, 'must be an environment variable name').optional(),
      /** SSM Parameter Store SecureString (standard tier) that the operator creates. @default - /synthmon/<token name> */
      parameter: checkedString(PARAMETER_ERROR, parameterProblem).optional(),
      /** An existing Secrets Manager secret instead of a parameter (name or ARN). */
      secret: z
        .union(
          [
            z.object({ name: pattern(SECRET_NAME_RE, 'must be a Secrets Manager secret name') }).strict(),
            z.object({ arn: pattern(ARN_SECRET_RE, 'must be a Secrets Manager secret ARN') }).strict(),
          ],
          { error: 'must be {"name": "..."} or {"arn": "arn:aws:secretsmanager:..."}' },
        )
        .optional(),
    },
    { error: 'must be an object such as {"parameter": "/synthmon/api-token"}' },
  )
  .strict()
  .superRefine((t, ctx) => {
    if (t.parameter !== undefined && t.secret !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message: 'must not be set together with parameter (the token lives in one store)',
        input: t.secret,
      });
    }
  });

export const tokensSchema = z
  .record(pattern(NAME_RE, NAME_ERROR), TokenSchema, {
    error: 'must be an object of named tokens, such as {"default": {"parameter": "/synthmon/default"}}',
  })
  .superRefine(
    (tokens, ctx) => {
      if (!tokens || typeof tokens !== 'object') return;
      // Each token used by a check gets a stack output named after it without hyphens (TokenApi1 for
      // "api-1" and "api1"): two such names would crash `cdk synth` with a duplicate construct id.
      const byId = new Map<string, string>();
      for (const [name, token] of Object.entries(tokens as Record<string, unknown>)) {
        if (!NAME_RE.test(name)) continue;
        const id = name.replace(/-/g, '');
        const other = byId.get(id);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `must differ from token "${other}" by more than hyphens (each token's stack output is named after it without hyphens)`,
            input: name,
          });
        } else byId.set(id, name);
        const given = (token as { name?: unknown } | undefined)?.name;
        if (typeof given === 'string' && given !== name) {
          ctx.addIssue({
            code: 'custom',
            path: [name, 'name'],
            message: `must be the token's key, "${name}" (it is filled in from the key)`,
            input: given,
          });
        }
      }
    },
    { when: () => true },
  );

/** A named token, resolved: where it lives in AWS and which variable holds it locally. */
export interface ResolvedToken {
  readonly name: string;
  readonly env: string;
  /** Exactly one of parameter / secret. */
  readonly parameter?: string;
  readonly secret?: { readonly name: string } | { readonly arn: string };
}
/** A token as written in `tokens` (where it lives; resolved by contracts/config/defaults.ts). */
export type TokenConfig = z.infer<typeof TokenSchema>;
