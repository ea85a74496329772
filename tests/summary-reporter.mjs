// A node:test reporter that ends the run with one line per group: the unit
// tests, and each runtime the conformance suite ran on ("conformance on bun"),
// with pass and fail counts. `npm test` runs it beside the spec reporter, with
// --test-concurrency=1 so that each suite's results arrive together.
import { basename, dirname } from 'node:path';

export default async function* summaryReporter(source) {
  const groups = new Map();
  let pending = { pass: 0, fail: 0 };
  const add = (group, counts) => {
    const total = groups.get(group) ?? { pass: 0, fail: 0 };
    groups.set(group, { pass: total.pass + counts.pass, fail: total.fail + counts.fail });
  };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, file, details, skip, todo } = event.data;
    const passed = event.type === 'test:pass' && !skip && !todo;
    if (details?.type === 'suite') {
      if (nesting === 0) {
        add(name.startsWith('conformance on ') ? name : basename(dirname(file ?? 'tests/unit/x')), pending);
        pending = { pass: 0, fail: 0 };
      }
      continue;
    }
    if (nesting === 0) add(basename(dirname(file ?? 'tests/unit/x')), { pass: passed ? 1 : 0, fail: passed ? 0 : 1 });
    else if (passed) pending.pass++;
    else pending.fail++;
  }
  yield '\nSummary\n';
  for (const [group, { pass, fail }] of [...groups].sort()) {
    yield `  ${fail === 0 ? 'ok  ' : 'FAIL'} ${group}: ${pass} passed, ${fail} failed\n`;
  }
}
