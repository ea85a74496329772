import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configPathFrom, listenAddress, loadConfig, reportStartupFailure, UsageError } from '../../src/adapters/cli.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { defineConfig } from '../../src/config/parse-config.ts';

describe('command line', () => {
  test('config path from -config, --config, --config=, GATEWAY_CONFIG', () => {
    assert.equal(configPathFrom(['-config', 'a.yaml'], {}), 'a.yaml');
    assert.equal(configPathFrom(['--config', 'b.yaml'], {}), 'b.yaml');
    assert.equal(configPathFrom(['--', '--config=c.yaml'], {}), 'c.yaml');
    assert.equal(configPathFrom([], { GATEWAY_CONFIG: 'd.yaml' }), 'd.yaml');
    assert.equal(configPathFrom(['-config', 'e.yaml'], { GATEWAY_CONFIG: 'd.yaml' }), 'e.yaml', 'the flag wins');
    assert.equal(configPathFrom([], {}), undefined);
    assert.throws(() => configPathFrom(['--config'], {}), UsageError);
    assert.throws(() => configPathFrom(['--port', '1'], {}), /unknown argument: --port/);
  });

  test('PORT overrides the port of server.address', () => {
    const config = defineConfig({ server: { address: '127.0.0.1:9000' } });
    assert.deepEqual(listenAddress(config, {}), { hostname: '127.0.0.1', port: 9000 });
    assert.deepEqual(listenAddress(config, { PORT: '0' }), { hostname: '127.0.0.1', port: 0 });
    assert.throws(() => listenAddress(config, { PORT: 'http' }), ConfigError);
  });

  test('loadConfig: embedded defaults, a file, an unreadable file', async () => {
    assert.equal((await loadConfig([], {}, () => Promise.reject(new Error('unused')))).source, 'embedded defaults');
    const loaded = await loadConfig(['-config', 'x.yaml'], { P: '7000' }, async () => 'server:\n  address: ":${P}"\n');
    assert.equal(loaded.source, 'x.yaml');
    assert.equal(loaded.config.server.address.port, 7000);
    await assert.rejects(loadConfig(['-config', 'missing.yaml'], {}, () => Promise.reject(new Error('ENOENT'))), /cannot read missing.yaml: ENOENT/);
  });

  test('start-up failures print one problem per line and choose the exit status', () => {
    const lines: string[] = [];
    assert.equal(reportStartupFailure(new ConfigError(['a.b: got 1; expected 2', 'c: unknown key'], 'x.yaml'), (l) => lines.push(l)), 1);
    assert.equal(lines[0], 'gateway: invalid x.yaml:\n  a.b: got 1; expected 2\n  c: unknown key');
    assert.equal(reportStartupFailure(new UsageError('unknown argument: -x'), (l) => lines.push(l)), 2);
    assert.equal(reportStartupFailure(new UsageError(''), () => {}), 0, '--help');
  });
});
