import { upgradeWebSocket } from 'hono/deno';
import { createGateway } from '../gateway.ts';
import { listenAddress, loadConfig, logStarted, reportStartupFailure, shutdownHandler } from './cli.ts';
import { denoEnv, denoPeer, onDenoSignals } from './deno-env.ts';
import { collectAfterBodies } from './collect-after-bodies.ts';
import { keysCommand } from './keys-command.ts';
import { v8MajorCollection } from './v8-major-collection.ts';

/**
 * Deno entry point that listens by itself: `npm run start:deno -- -config
 * config.yaml` (`deno run`). For `deno serve`, use deno.ts: Deno cannot tell
 * the two apart from inside a module, so each has its own file.
 */
if (Deno.args[0] === 'keys') {
  Deno.exit(await keysCommand(Deno.args.slice(1), console.log, console.error));
}
try {
  const env = denoEnv();
  const { config, source } = await loadConfig(Deno.args, env, (path) => Deno.readTextFile(path));
  // Garbage of large bodies, collected in time: see collectAfterBodies.
  const bodies = collectAfterBodies(v8MajorCollection(), 16 * 1024 * 1024);
  const gateway = createGateway(config, {
    env,
    runtime: { name: 'deno', version: Deno.version.deno },
    upgradeWebSocket: (c, events) => upgradeWebSocket(c, events),
    bodyRead: (bytes) => bodies.read(bytes),
  });
  const { hostname, port } = listenAddress(config, env);
  const server = Deno.serve(
    {
      hostname,
      port,
      onListen: (addr) => logStarted(gateway, 'deno', Deno.version.deno, `http://${addr.hostname.includes(':') ? `[${addr.hostname}]` : addr.hostname}:${addr.port}`, source),
    },
    (request, info) => {
      bodies.declared(request.headers.get('content-length'));
      return gateway.fetch(request, denoPeer(info));
    },
  );
  // shutdown() (unlike aborting `signal`, which drops open connections) lets in-flight responses finish.
  onDenoSignals(shutdownHandler({ gateway, stopAccepting: () => server.shutdown(), exit: (code) => Deno.exit(code) }));
} catch (error) {
  Deno.exit(reportStartupFailure(error, (line) => console.error(line)));
}
