/**
 * The token command the stack outputs and the README shows, run by a real bash with a stand-in `aws`
 * on PATH (no AWS account here): the token typed at the prompt reaches the AWS CLI only as the
 * content of a file:// argument, never as an argument, and the file is gone afterwards.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenSetCommand } from '../../lib/token-command';

const TOKEN = 'tok3n-Canary-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'synthmon-token-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake `aws` that records its arguments and the content of its file:// argument. */
function fakeAws(): string {
  const bin = join(dir, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  const script = `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\nfor a in "$@"; do case "$a" in file://*) cat "\${a#file://}" > "${dir}/content"; stat -c %a "\${a#file://}" > "${dir}/mode";; esac; done\n`;
  writeFileSync(join(bin, 'aws'), script);
  chmodSync(join(bin, 'aws'), 0o755);
  return bin;
}

function run(command: string): { args: string[]; content: string; mode: string } {
  const bin = fakeAws();
  const work = mkdtempSync(join(dir, 'cwd-'));
  execFileSync('bash', ['-c', command], { cwd: work, input: `${TOKEN}\n`, env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: 10_000 });
  expect(execFileSync('ls', ['-A', work], { encoding: 'utf8' })).toBe('');
  return {
    args: readFileSync(join(dir, 'args'), 'utf8').trim().split('\n'),
    content: readFileSync(join(dir, 'content'), 'utf8'),
    mode: readFileSync(join(dir, 'mode'), 'utf8').trim(),
  };
}

describe('the token command', () => {
  it('stores an SSM token from a silent prompt through file://, region filled in', () => {
    const { args, content, mode } = run(tokenSetCommand({ parameter: '/synthmon/default' }, 'eu-west-1'));
    expect(args).toEqual([
      'ssm',
      'put-parameter',
      '--region',
      'eu-west-1',
      '--name',
      '/synthmon/default',
      '--type',
      'SecureString',
      '--overwrite',
      '--value',
      'file://token.txt',
    ]);
    expect(content).toBe(TOKEN);
    expect(mode).toBe('600');
  });

  it('stores a Secrets Manager token as {"token": …} the same way', () => {
    const { args, content } = run(tokenSetCommand({ secret: { name: 'prod/orders' } }, 'us-east-1'));
    expect(args).toEqual([
      'secretsmanager',
      'put-secret-value',
      '--region',
      'us-east-1',
      '--secret-id',
      'prod/orders',
      '--secret-string',
      'file://token.json',
    ]);
    expect(JSON.parse(content)).toEqual({ token: TOKEN });
    expect(args.join(' ')).not.toContain(TOKEN);
  });
});
