/**
 * The certificate check end to end through the built CLI: a backend whose certificate expires in 5 days (less a
 * minute) is `ok`, its `--json` line carries `certificate.daysLeft` 4, the human output warns below
 * the configured threshold, and `--publish` sends `CertificateDaysLeft{Host}` with that value to the
 * local CloudWatch recorder (the real SDK over HTTP; no AWS account).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAwsEnv } from '../support/aws-env';
import { startCloudWatchRecorder, type CloudWatchRecorder } from '../support/cloudwatch-recorder';
import { CANARY, FRONT_END_ORIGIN, lines, runCli, scratch, startBackend, type Backend } from './support';

let backend: Backend;
let dir: ReturnType<typeof scratch>;
const recorders: CloudWatchRecorder[] = [];

beforeAll(async () => {
  dir = scratch();
  backend = await startBackend(dir.dir, { leaf: 'expiringSoon' });
});
afterAll(async () => {
  await Promise.all(recorders.map((r) => r.close()));
  await backend?.close();
  dir?.cleanup();
});

const env = () => ({ NODE_EXTRA_CA_CERTS: backend.caFile, SYNTHMON_TOKEN: CANARY });
const WARNING =
  /^ {4}certificate CN=localhost \(from CN=synthmon test CA\) expires in 4 days, on \d{4}-\d\d-\d\dT[\d:.]+Z; CertificateExpiring pages below (\d+) days: renew it on the proxy and check its automatic renewal$/;

describe('synthmon probe: a certificate close to expiry', () => {
  it('prints ok with certificate.daysLeft 4 for wss:// under --json', async () => {
    const run = await runCli(['probe', `${backend.wssBase}/ws/chat/`, '--origin', FRONT_END_ORIGIN, '--settle', '200', '--json'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [line, ...rest] = lines(run.stdout);
    expect(rest).toEqual([]);
    const result = JSON.parse(line!) as { outcome: string; certificate: Record<string, unknown> };
    expect(result.outcome).toBe('ok');
    expect(result.certificate).toMatchObject({
      subject: 'CN=localhost',
      issuer: 'CN=synthmon test CA',
      daysLeft: 4,
      verified: true,
      protocol: 'TLSv1.3',
    });
    expect(Object.keys(result.certificate).slice(0, 4)).toEqual(['subject', 'issuer', 'validTo', 'daysLeft']);
  });

  it('keeps the ok line ok and warns under it, with the default threshold of 14 days', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`], { env: env() });
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^127-0-0-1 {2}ok {2}status=200 /);
    expect(out.at(-1)).toMatch(WARNING);
    expect(WARNING.exec(out.at(-1)!)![1]).toBe('14');
  });

  it('takes the threshold from the configuration: no warning at 3 days, a warning at 30', async () => {
    const config = (daysLeft: number) =>
      dir.write(
        `cert-${daysLeft}.json`,
        JSON.stringify({
          alarms: { certificateExpiring: { daysLeft } },
          tokens: { default: { env: 'SYNTHMON_TOKEN' } },
          checks: [{ name: 'orders', kind: 'http', url: `${backend.httpsBase}/api/orders/`, auth: {} }],
        }),
      );
    const quiet = await runCli(['probe', '--config', config(3)], { env: env() });
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(0);
    expect(lines(quiet.stdout)).toHaveLength(2);
    const warned = await runCli(['probe', '--config', config(30)], { env: env() });
    expect(warned.code).toBe(0);
    expect(WARNING.exec(lines(warned.stdout).at(-1)!)?.[1]).toBe('30');
  });

  it('publishes CertificateDaysLeft{Host=127.0.0.1} = 4 with the run (--publish)', async () => {
    const cw = await startCloudWatchRecorder();
    recorders.push(cw);
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--json', '--publish'], {
      env: { ...env(), ...localAwsEnv({ cloudwatch: cw.endpoint, home: dir.dir }) },
    });
    expect(run.code).toBe(0);
    const days = cw.accepted().filter((d) => d.MetricName === 'CertificateDaysLeft');
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ Dimensions: [{ Name: 'Host', Value: '127.0.0.1' }], Value: 4, Unit: 'None' });
  });
});
