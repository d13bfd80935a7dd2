/**
 * The real stack of `npm run test:real`: the Django + DRF + Channels project in
 * ./backend served by Debian's daphne, behind Debian's nginx terminating TLS on 127.0.0.1 with a
 * certificate made at start (demo/certs.ts). Everything lives in one temporary directory: the
 * SQLite database, daphne's Unix socket, nginx's configuration, pid, logs and temp paths.
 *
 *   probe ──TLS──► nginx 127.0.0.1:<free port> ──unix socket──► daphne ──► marketplace.asgi
 *
 * A regression is a change of settings: backend settings are environment variables of daphne's
 * process (so daphne restarts), proxy settings are lines of nginx's configuration (so nginx
 * restarts on the same port). Every process is started in its own process group, stopped by that
 * group's id, and checked to be gone; every wait has a deadline and reports the process's output.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { makeServerPki } from '../../demo/certs';

/** Debian's interpreter (the `python3` on PATH may be another one, without Django). */
export const PYTHON = '/usr/bin/python3';
export const DAPHNE = '/usr/bin/daphne';
export const NGINX = '/usr/sbin/nginx';
export const INSTALL_COMMAND =
  'apt-get update && apt-get install -y --no-install-recommends python3-django python3-djangorestframework python3-django-channels daphne nginx-light';

const BACKEND_DIR = fileURLToPath(new URL('./backend/', import.meta.url));

export const TOKEN_AUTH = 'rest_framework.authentication.TokenAuthentication';
export const SESSION_AUTH = 'rest_framework.authentication.SessionAuthentication';
export const IS_ADMIN_USER = 'rest_framework.permissions.IsAdminUser';

/** What the Django settings read from the environment (test/real/backend/marketplace/settings.py). */
export interface BackendSettings {
  /** ALLOWED_HOSTS: the Host of HTTP requests and, through AllowedHostsOriginValidator, the WebSocket Origin. */
  readonly allowedHosts: readonly string[];
  /** REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']; empty = not set (DRF's defaults: Session, Basic). */
  readonly authenticationClasses: readonly string[];
  readonly secureSslRedirect: boolean;
  /** SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') */
  readonly trustForwardedProto: boolean;
  /** Permission classes of the orders view after IsAuthenticated. */
  readonly extraPermissions: readonly string[];
  /** How the consumer refuses a missing or unknown token: close before accept() (403) or accept, then close 4003. */
  readonly chatAuthFailure: 'deny' | 'close4003';
}

/** What nginx's location block forwards. */
export interface ProxySettings {
  /** `proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;` */
  readonly forwardUpgrade: boolean;
  /** `proxy_set_header X-Forwarded-Proto $scheme;` */
  readonly forwardProto: boolean;
}

/** The seed's backend when healthy: production-like (HTTPS redirect behind a proxy it trusts). */
export const HEALTHY_BACKEND: BackendSettings = {
  allowedHosts: ['localhost', '.indexo.ir'],
  authenticationClasses: [TOKEN_AUTH, SESSION_AUTH],
  secureSslRedirect: true,
  trustForwardedProto: true,
  extraPermissions: [],
  chatAuthFailure: 'deny',
};
export const HEALTHY_PROXY: ProxySettings = { forwardUpgrade: true, forwardProto: true };

export interface StackChange {
  readonly backend?: Partial<BackendSettings>;
  readonly proxy?: Partial<ProxySettings>;
}

export interface RealStack {
  /** nginx's TLS port on 127.0.0.1. */
  readonly port: number;
  /** `wss://localhost:<port>/ws/chat/` (the probe adds ?token=). */
  readonly wsUrl: string;
  /** `https://localhost:<port>/api/auth/buyer/orders/` */
  readonly apiUrl: string;
  /** PEM of the CA that signed nginx's certificate, and a file holding it (NODE_EXTRA_CA_CERTS). */
  readonly ca: string;
  readonly caFile: string;
  /** The buyer's DRF token (40 hex characters). Never log it. */
  readonly token: string;
  /** The temporary directory holding everything. */
  readonly dir: string;
  readonly backend: BackendSettings;
  readonly proxy: ProxySettings;
  /** Change settings and restart what must restart; a stopped service is started again. */
  configure(change: StackChange): Promise<void>;
  /** Back to healthy, both services running (restarts only what differs). */
  reset(): Promise<void>;
  stopBackend(): Promise<void>;
  stopProxy(): Promise<void>;
  /** SIGSTOP / SIGCONT daphne: a hung backend. */
  suspendBackend(): void;
  resumeBackend(): void;
  /** Process ids of the running services. */
  pids(): { daphne?: number; nginx?: number };
  /** Every process id the stack started (daphne and nginx masters, across restarts), for leak checks. */
  startedPids(): readonly number[];
  /** Recent output of both services (for failure messages). */
  logs(): string;
  /** Stop everything (checked) and remove the directory. Idempotent. */
  close(): Promise<void>;
}

/** How long a service may take to start listening, and to exit when told. */
const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 10_000;
const OUTPUT_KEEP_CHARS = 16_000;

/** Process groups we started and have not seen end: killed on process exit if a test run dies. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** One long-running process in its own process group, its output kept (bounded) for failure messages. */
class Service {
  /** Every pid this service started. */
  readonly started: number[] = [];
  private child: ChildProcess | undefined;
  /** Between spawn and its 'exit' (or 'error': a command that could not start). */
  private alive = false;
  private exited: Promise<void> = Promise.resolve();
  private out = '';

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: () => readonly string[],
    private readonly options: { cwd: string; env: () => NodeJS.ProcessEnv },
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.alive;
  }

  output(): string {
    return this.out;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.out = '';
    const child = spawn(this.command, this.args(), {
      cwd: this.options.cwd,
      env: this.options.env(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.alive = true;
    const keep = (chunk: Buffer) => {
      this.out = (this.out + chunk.toString('utf8')).slice(-OUTPUT_KEEP_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        keep(Buffer.from(`\n[spawn error] ${err.message}\n`));
        this.alive = false;
        resolve();
      });
      child.once('exit', (code, signal) => {
        keep(Buffer.from(`\n[${this.name} exited: ${signal ?? `code ${code}`}]\n`));
        this.alive = false;
        resolve();
      });
    });
    if (child.pid !== undefined) {
      liveGroups.add(child.pid);
      this.started.push(child.pid);
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running && this.child?.pid !== undefined) process.kill(-this.child.pid, sig);
  }

  /** Wait until `probe` succeeds, failing early (with the output) when the process exits. */
  async waitUntil(what: string, probe: () => Promise<boolean>, deadlineMs = START_DEADLINE_MS): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited before ${what}:\n${this.out}`);
      if (await probe()) return;
      if (Date.now() > until) throw new Error(`${this.name}: no ${what} within ${deadlineMs} ms:\n${this.out}`);
      await sleep(50);
    }
  }

  /**
   * SIGTERM to the group (SIGCONT first: a stopped process cannot act on it), SIGKILL after the
   * deadline, then wait until no process of the group is left (nginx's workers included).
   */
  async stop(): Promise<void> {
    const child = this.child;
    const pgid = child?.pid;
    if (!child || pgid === undefined) {
      await this.exited;
      return;
    }
    if (this.running) {
      this.signal('SIGCONT');
      this.signal('SIGTERM');
      if (!(await within(this.exited, STOP_DEADLINE_MS))) {
        this.signal('SIGKILL');
        if (!(await within(this.exited, STOP_DEADLINE_MS))) throw new Error(`${this.name} (pid ${pgid}) did not exit after SIGKILL:\n${this.out}`);
      }
    }
    await this.exited;
    const until = Date.now() + STOP_DEADLINE_MS;
    while (groupAlive(pgid)) {
      if (Date.now() > until) {
        process.kill(-pgid, 'SIGKILL');
        throw new Error(`processes of ${this.name}'s group ${pgid} were still running ${STOP_DEADLINE_MS} ms after it exited`);
      }
      await sleep(20);
    }
    liveGroups.delete(pgid);
  }
}

/** The pids that still exist (for a leak check after close()). */
export function stillRunning(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when something accepts a connection at the Unix socket path or loopback port. */
function accepts(target: string | number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = typeof target === 'string' ? connect(target) : connect(target, '127.0.0.1');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The pid in a pid file, if it holds one. */
function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The environment of every Python process: nothing inherited but what is named here. */
function pythonEnv(dir: string, secretKey: string, s: BackendSettings, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in the repository
    PYTHONNOUSERSITE: '1',
    PYTHONUNBUFFERED: '1',
    DJANGO_SETTINGS_MODULE: 'marketplace.settings',
    DJANGO_SECRET_KEY: secretKey,
    DJANGO_DB_PATH: join(dir, 'db.sqlite3'),
    DJANGO_ALLOWED_HOSTS: s.allowedHosts.join(','),
    DRF_AUTHENTICATION_CLASSES: s.authenticationClasses.join(','),
    DJANGO_SECURE_SSL_REDIRECT: s.secureSslRedirect ? '1' : '0',
    DJANGO_SECURE_PROXY_SSL_HEADER: s.trustForwardedProto ? 'HTTP_X_FORWARDED_PROTO,https' : '',
    ORDERS_EXTRA_PERMISSIONS: s.extraPermissions.join(','),
    CHAT_AUTH_FAILURE: s.chatAuthFailure,
    ...extra,
  };
}

/** nginx's configuration: a Traefik-like TLS front (Host kept with its port, as Traefik passes it). */
export function nginxConfig(dir: string, port: number, p: ProxySettings): string {
  const asRoot = process.getuid?.() === 0;
  return `# written by test/real/stack.ts
${asRoot ? "user root root; # tests run as root: workers must reach the 0700 temp directory and daphne's socket\n" : ''}worker_processes 1;
pid ${dir}/nginx.pid;
lock_file ${dir}/nginx.lock;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log ${dir}/nginx-access.log;
  client_body_temp_path ${dir}/nginx-client-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream daphne { server unix:${dir}/daphne.sock; }
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    location / {
      proxy_pass http://daphne;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
${p.forwardProto ? '      proxy_set_header X-Forwarded-Proto $scheme;\n' : ''}${
    p.forwardUpgrade ? '      proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection $connection_upgrade;\n' : ''
  }    }
  }
}
`;
}

function same<T>(a: T, b: T): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Start the stack healthy: database migrated and seeded, daphne and nginx listening. */
export async function startRealStack(): Promise<RealStack> {
  const dir = mkdtempSync(join(tmpdir(), 'synthmon-real-'));
  const secretKey = randomBytes(24).toString('hex');
  const token = randomBytes(20).toString('hex');
  const pki = makeServerPki();
  writeFileSync(join(dir, 'server.key'), pki.server.key, { mode: 0o600 });
  writeFileSync(join(dir, 'server.crt'), pki.server.cert);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.ca);

  let backend: BackendSettings = HEALTHY_BACKEND;
  let proxy: ProxySettings = HEALTHY_PROXY;
  let port = await freePort();
  const socketPath = join(dir, 'daphne.sock');
  const confPath = join(dir, 'nginx.conf');
  const pidPath = join(dir, 'nginx.pid');

  const daphne = new Service('daphne', DAPHNE, () => ['-u', socketPath, '--application-close-timeout', '2', 'marketplace.asgi:application'], {
    cwd: BACKEND_DIR,
    env: () => pythonEnv(dir, secretKey, backend),
  });
  const nginx = new Service('nginx', NGINX, () => ['-p', `${dir}/`, '-c', confPath, '-e', 'stderr', '-g', 'daemon off;'], {
    cwd: dir,
    env: () => ({ PATH: '/usr/sbin:/usr/bin:/bin' }),
  });

  const startDaphne = async () => {
    daphne.start();
    await daphne.waitUntil(`listener on ${socketPath}`, () => accepts(socketPath));
  };
  const startNginx = async () => {
    for (let attempt = 1; ; attempt++) {
      writeFileSync(confPath, nginxConfig(dir, port, proxy));
      rmSync(pidPath, { force: true });
      nginx.start();
      try {
        // nginx writes its pid file only once its listening socket is bound: a connection alone could
        // reach whoever else holds the port.
        await nginx.waitUntil(`listener on 127.0.0.1:${port}`, async () => readPid(pidPath) === nginx.pid && (await accepts(port)));
        return;
      } catch (err) {
        // Someone took the port (between freePort() and the bind, or while nginx was stopped): take
        // another one; the URLs follow `port`.
        if (attempt >= 3 || !/Address already in use/.test(nginx.output())) throw err;
        await nginx.stop();
        port = await freePort();
      }
    }
  };

  let closed = false;
  const stopAll = async () => {
    const results = await Promise.allSettled([nginx.stop(), daphne.stop()]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) throw new Error(failed.map((f) => String(f.reason)).join('\n'));
  };

  try {
    await run(PYTHON, ['seed.py'], { cwd: BACKEND_DIR, env: pythonEnv(dir, secretKey, backend, { SEED_TOKEN: token }) });
    await startDaphne();
    await startNginx();
  } catch (err) {
    await stopAll().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const configure = async (change: StackChange) => {
    if (closed) throw new Error('the stack is closed');
    const nextBackend = { ...backend, ...change.backend };
    const nextProxy = { ...proxy, ...change.proxy };
    const restartBackend = !same(nextBackend, backend) || !daphne.running;
    const restartProxy = !same(nextProxy, proxy) || !nginx.running;
    backend = nextBackend;
    proxy = nextProxy;
    if (restartBackend) {
      await daphne.stop();
      await startDaphne();
    }
    if (restartProxy) {
      await nginx.stop();
      await startNginx();
    }
  };

  return {
    get port() {
      return port;
    },
    get wsUrl() {
      return `wss://localhost:${port}/ws/chat/`;
    },
    get apiUrl() {
      return `https://localhost:${port}/api/auth/buyer/orders/`;
    },
    ca: pki.ca,
    caFile,
    token,
    dir,
    get backend() {
      return backend;
    },
    get proxy() {
      return proxy;
    },
    configure,
    reset: () => configure({ backend: HEALTHY_BACKEND, proxy: HEALTHY_PROXY }),
    stopBackend: () => daphne.stop(),
    stopProxy: () => nginx.stop(),
    suspendBackend: () => daphne.signal('SIGSTOP'),
    resumeBackend: () => daphne.signal('SIGCONT'),
    pids: () => ({ ...(daphne.pid ? { daphne: daphne.pid } : {}), ...(nginx.pid ? { nginx: nginx.pid } : {}) }),
    startedPids: () => [...daphne.started, ...nginx.started],
    logs: () => `--- daphne ---\n${daphne.output()}\n--- nginx ---\n${nginx.output()}`,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await stopAll();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Run a short command to completion (bounded), failing with its output. */
function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed (${err.message}):\n${stdout}${stderr}`));
      else resolve();
    });
  });
}
