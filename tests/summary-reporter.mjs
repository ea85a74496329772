// A node:test reporter that ends the run with one line per test file group:
// the unit suite, and each runtime the conformance suite ran on, with its
// pass and fail counts. Used beside the spec reporter by `npm test`.
import { basename, dirname } from 'node:path';

export default async function* summaryReporter(source) {
  const groups = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, details } = event.data;
    if (!file || details?.type === 'suite') continue;
    const kind = basename(dirname(file));
    const group = kind === 'conformance' ? `conformance on ${basename(file).replace(/\.test\.[mc]?[jt]s$/, '')}` : kind;
    const counts = groups.get(group) ?? { pass: 0, fail: 0 };
    if (event.type === 'test:pass' && !event.data.skip && !event.data.todo) counts.pass++;
    else counts.fail++;
    groups.set(group, counts);
  }
  yield '\nSummary\n';
  for (const [group, { pass, fail }] of [...groups].sort()) {
    yield `  ${fail === 0 ? 'ok  ' : 'FAIL'} ${group}: ${pass} passed, ${fail} failed\n`;
  }
}
