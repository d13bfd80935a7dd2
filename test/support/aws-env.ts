/**
 * The environment the real AWS SDK needs to talk to the local endpoints of test/support instead of
 * AWS (no account here): a region, credentials it signs with (the endpoints require a signature and
 * do not verify it), the endpoint URLs, and no instance-metadata lookups.
 */
import { join } from 'node:path';

export interface LocalAwsEnvOptions {
  /** AWS_ENDPOINT_URL_CLOUDWATCH. */
  readonly cloudwatch?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /**
   * For a child process (the CLI): its HOME, and shared config and credentials files that do not
   * exist there, so nothing on the developer's machine is read.
   */
  readonly home?: string;
}

/** The variables, to spread into a child's environment or assign to process.env. */
export function localAwsEnv(options: LocalAwsEnvOptions = {}): Record<string, string> {
  return {
    AWS_REGION: options.region ?? 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-secret-key',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(options.cloudwatch ? { AWS_ENDPOINT_URL_CLOUDWATCH: options.cloudwatch } : {}),
    ...(options.home
      ? {
          HOME: options.home,
          AWS_CONFIG_FILE: join(options.home, 'no-aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(options.home, 'no-aws-credentials'),
        }
      : {}),
  };
}
