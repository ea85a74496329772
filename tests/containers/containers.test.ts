import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { freePort } from '../../bench/lib/free-port.ts';
import { buildGatewayImage, ensureNodeBase, ensurePrometheusImage, IMAGES, imageSizeMiB, podman, podmanEnv, ROOT } from './podman.ts';

/**
 * The images users deploy, built and run with podman: compose/Dockerfile
 * (Node) and compose/Dockerfile.binary (Bun's single binary), each serving
 * /health, a response and a stream, and draining a stream on `podman stop`;
 * then the compose stack's gateway and Prometheus with podman-compose
 * (the rest of the stack through its dry run).
 * Slow (a fresh machine builds its base images first), so it is
 * `npm run test:containers`, not part of npm test.
 */

const CONFIG = `
server:
  address: "127.0.0.1:8080"
  shutdown_grace: 20s
providers:
  mock:
    type: mock
  slow:
    type: mock
    chunks: 20
    chunk_delay_ms: 100
models:
  - name: mock
    provider: mock
  - name: slow
    provider: slow
`;

const log = (line: string) => console.log(`# ${line}`);
const unique = () => `gateway-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-container-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, text);
  // The container runs as uid 1000, which must be able to read the bind-mounted file.
  chmodSync(dir, 0o755);
  chmodSync(path, 0o644);
  return path;
}

async function waitForHealth(base: string, name: string): Promise<void> {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    const running = podman(['inspect', '--format', '{{.State.Running}}', name]).trim();
    assert.ok(running === 'true' && i < 240, `the container did not become healthy:\n${podman(['logs', name]).slice(-3000)}`);
    await sleep(250);
  }
}

const client = (base: string) => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });

describe('container images', { timeout: 45 * 60_000 }, () => {
  const sizes: Record<string, number> = {};

  before(() => {
    assert.ok(spawnSync('podman', ['--version']).status === 0, 'podman is not installed (apt-get install -y podman runc; .ci/run does this)');
    podmanEnv();
    ensureNodeBase(log);
    for (const [dockerfile, image] of [['compose/Dockerfile', IMAGES.gateway], ['compose/Dockerfile.binary', IMAGES.binary]] as const) {
      log(`building ${image} from ${dockerfile}`);
      buildGatewayImage(dockerfile, image);
      sizes[image] = imageSizeMiB(image);
    }
    sizes[IMAGES.node] = imageSizeMiB(IMAGES.node);
    sizes[IMAGES.debian] = imageSizeMiB(IMAGES.debian);
  });

  after(() => {
    for (const [image, mib] of Object.entries(sizes)) log(`image size ${image}: ${mib.toFixed(0)} MiB`);
  });

  for (const [label, image] of [['node', IMAGES.gateway], ['binary', IMAGES.binary]] as const) {
    test(`${label} image: /health, a response and a stream; podman stop during a stream lets it finish and exits 0`, async () => {
      const name = unique();
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      podman([
        'run', '-d', '--name', name, '--network=host', '--read-only', '--health-interval=disable',
        '-e', `PORT=${port}`, '-v', `${configFile(CONFIG)}:/etc/llm-gateway/config.yaml:ro`, image,
      ]);
      try {
        await waitForHealth(base, name);
        // The image's own HEALTHCHECK, run by podman inside the container.
        podman(['healthcheck', 'run', name]);
        assert.equal(podman(['inspect', '--format', '{{.Config.User}}', name]).trim(), '1000:1000');
        assert.match(podman(['inspect', '--format', '{{json .Config.Healthcheck}}', name]), /\/health/);

        const reply = await client(base).responses.create({ model: 'mock', input: 'Hello from a container' });
        assert.equal(reply.output_text, 'Echo: Hello from a container');

        let text = '';
        for await (const event of await client(base).responses.create({ model: 'mock', input: 'one two three', stream: true })) {
          if (event.type === 'response.output_text.delta') text += event.delta;
        }
        assert.equal(text, 'Echo: one two three');

        // A two-second stream; podman stop (SIGTERM) once it has started.
        const events: string[] = [];
        let stopper: ReturnType<typeof spawn> | undefined;
        const stopped = new Promise<number | null>((resolve) => {
          void (async () => {
            for await (const event of await client(base).responses.create({ model: 'slow', input: 'x', stream: true })) {
              events.push(event.type);
              if (!stopper && event.type === 'response.output_text.delta') {
                stopper = spawn('podman', ['stop', '-t', '30', name], { env: podmanEnv(), stdio: 'ignore' });
                stopper.on('exit', (code) => resolve(code));
              }
            }
          })();
        });
        const stopCode = await stopped;
        assert.equal(stopCode, 0, 'podman stop failed');
        assert.equal(events.at(-1), 'response.completed', `the stream ended with ${events.at(-1)}`);
        assert.equal(events.filter((e) => e === 'response.output_text.delta').length, 20);
        const state = podman(['inspect', '--format', '{{.State.ExitCode}} {{.State.Running}}', name]).trim();
        assert.equal(state, '0 false', `exit code and running: ${state}\n${podman(['logs', name]).slice(-2000)}`);
        assert.match(podman(['logs', name]), /"msg":"stopped"/);
      } finally {
        podman(['rm', '-f', '-t', '0', name]);
      }
    });
  }

  test('the Node image holds production dependencies only: no dev packages, no npm cache, no npm configuration', () => {
    const script = [
      'test -d /app/node_modules/hono && test -d /app/node_modules/tsx',
      'for p in typescript bun deno openai @types; do test ! -e /app/node_modules/$p || { echo "dev package $p"; exit 1; }; done',
      'for d in /root/.npm /home/node/.npm /tmp/npm-cache /run/secrets; do test ! -e $d || { echo "left behind: $d"; exit 1; }; done',
      'found=$(find / -xdev \\( -name .npmrc -o -name npm_ca \\) 2>/dev/null); test -z "$found" || { echo "npm configuration in the image: $found"; exit 1; }',
    ].join(' && ');
    // As root, so that nothing (such as /root) is out of the check's sight.
    podman(['run', '--rm', '--network=none', '--user', '0', '--entrypoint', 'sh', IMAGES.gateway, '-c', script]);
    // The binary image carries the binary and Debian, not node or node_modules.
    podman(['run', '--rm', '--network=none', '--entrypoint', 'sh', IMAGES.binary, '-c', 'test -x /usr/local/bin/gateway && test ! -e /usr/local/bin/node && test ! -e /app']);
  });

  test('compose: the gateway and Prometheus come up with podman-compose, Prometheus scrapes the gateway with the alert rules loaded; every service resolves in a dry run', async () => {
    ensurePrometheusImage(log);
    const project = unique().replaceAll('-', '_');
    const gatewayPort = await freePort();
    const prometheusPort = await freePort();
    const env = { ...podmanEnv(), GATEWAY_IMAGE: IMAGES.gateway, PROMETHEUS_IMAGE: IMAGES.prometheus, GATEWAY_PORT: String(gatewayPort), PROMETHEUS_PORT: String(prometheusPort) };
    const compose = (...args: string[]) => {
      const result = spawnSync('podman-compose', ['-f', join(ROOT, 'compose/docker-compose.yml'), '-p', project, ...args], { env, encoding: 'utf8' });
      assert.ok(!result.error, 'podman-compose is not installed (apt-get install -y podman-compose; .ci/run does this)');
      assert.equal(result.status, 0, `podman-compose ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`.slice(-4000));
      return result.stdout;
    };

    // Every service resolves to a container definition (the images of Grafana, Jaeger, Redis and
    // PostgreSQL cannot be pulled here). Debian's podman-compose has no `config` command; its dry
    // run prints the podman command each service would get.
    const plan = compose('--dry-run', 'up', '-d', '--no-build').split('\n').filter((l) => l.startsWith('podman run '));
    const service = (name: string) => {
      const line = plan.find((l) => l.includes(`com.docker.compose.service=${name} `));
      assert.ok(line, `no container for ${name} in:\n${plan.join('\n')}`);
      return line;
    };
    assert.equal(plan.length, 6);
    assert.match(service('gateway'), new RegExp(`--read-only .* -v ${ROOT}compose/config.yaml:/etc/llm-gateway/config.yaml:ro .*-p ${gatewayPort}:8080 ${IMAGES.gateway}$`));
    assert.match(service('prometheus'), /prometheus\/alerts.yml:\/etc\/prometheus\/prometheus\/alerts.yml:ro/);
    assert.match(service('grafana'), /grafana\/provisioning:\/etc\/grafana\/provisioning:ro/);
    assert.match(service('jaeger'), /-e COLLECTOR_OTLP_ENABLED=true/);
    assert.match(service('postgres'), /-e POSTGRES_DB=gateway/);
    assert.match(service('redis'), /redis:7/);

    compose('up', '-d', '--no-build', '--no-deps', 'gateway', 'prometheus');
    try {
      const gateway = `http://127.0.0.1:${gatewayPort}`;
      const prometheus = `http://127.0.0.1:${prometheusPort}`;
      for (let i = 0; !(await fetch(`${gateway}/health`).then((r) => r.ok, () => false)); i++) {
        assert.ok(i < 240, `the compose gateway did not come up:\n${compose('logs', 'gateway').slice(-3000)}`);
        await sleep(250);
      }
      const reply = await client(gateway).responses.create({ model: 'mock', input: 'through compose' });
      assert.equal(reply.status, 'completed');

      // The compose scrape interval is 15 s: wait for a successful scrape of gateway:8080.
      const query = async (expr: string) =>
        ((await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
      let up: Awaited<ReturnType<typeof query>> = [];
      for (let i = 0; i < 180; i++) {
        up = await query('up{job="llm-gateway"}').catch(() => []);
        if (up[0]?.value[1] === '1') break;
        await sleep(500);
      }
      const targets = async () => JSON.stringify(await (await fetch(`${prometheus}/api/v1/targets`)).json());
      assert.equal(up[0]?.value[1], '1', `Prometheus did not scrape the gateway: ${await targets()}`);
      assert.equal(up[0]!.metric.instance, 'gateway:8080');
      assert.ok((await query('http_requests_total{path="/v1/responses"}')).length > 0, 'the request is in Prometheus');

      const rules = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; file: string }> } };
      assert.ok(rules.data.groups.some((g) => g.name === 'llm-gateway.requests'), `alert rules not loaded: ${JSON.stringify(rules.data.groups.map((g) => g.file))}`);
    } finally {
      compose('down', '-t', '40');
      // This podman-compose leaves the project's network behind.
      spawnSync('podman', ['network', 'rm', `${project}_default`], { env, stdio: 'ignore' });
    }
  });
});
