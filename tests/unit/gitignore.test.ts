import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../helpers/server.ts';

test('.gitignore ignores no committed file, and does ignore what builds and installs leave behind', () => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(git('ls-files', '--cached', '--ignored', '--exclude-standard'), '');
  const ignored = git('check-ignore', '--no-index', 'node_modules/x', 'bin/gateway', 'npm-debug.log', '.env').trim().split('\n');
  assert.deepEqual(ignored, ['node_modules/x', 'bin/gateway', 'npm-debug.log', '.env']);
});
