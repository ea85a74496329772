import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryTarget, ROOT } from '../helpers/server.ts';
import { conformanceSuite } from './suite.ts';

// The single binary users deploy: built the way `npm run build:binary` builds it, run from an empty directory.
conformanceSuite('binary', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'gateway-build-')), 'gateway');
  execFileSync('npm', ['run', '--silent', 'build:binary', '--', '--outfile', out], { cwd: ROOT, stdio: 'pipe' });
  return binaryTarget(out);
});
