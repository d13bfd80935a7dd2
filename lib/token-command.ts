/**
 * The exact shell command that stores a token where the runners read it, for the stack's token
 * outputs and the README: the region filled in, and the value never on a command line (shell
 * history, `ps`): it is read with a silent prompt into a shell variable, written by the shell's
 * builtin printf to a file only the user can read, and handed to the AWS CLI as `file://`.
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-parameters-file.html: "To specify a
 * file that contains the value, specify a file URL in the following format. file://complete/path/to/file"
 * `--overwrite` makes the same command rotate the token later.
 */
import type { ResolvedToken } from '../contracts/config';

/** The command for one token; `region` may be a CloudFormation token (the stack's own region). */
export function tokenSetCommand(token: Pick<ResolvedToken, 'parameter' | 'secret'>, region: string): string {
  const prompt = `read -rsp 'token: ' T && (umask 077 && printf`;
  if (token.parameter) {
    return `${prompt} %s "$T" > token.txt) && aws ssm put-parameter --region ${region} --name ${token.parameter} --type SecureString --overwrite --value file://token.txt; rm -f token.txt; unset T`;
  }
  const id = token.secret && 'arn' in token.secret ? token.secret.arn : token.secret!.name;
  return `${prompt} '{"token":"%s"}' "$T" > token.json) && aws secretsmanager put-secret-value --region ${region} --secret-id ${id} --secret-string file://token.json; rm -f token.json; unset T`;
}
