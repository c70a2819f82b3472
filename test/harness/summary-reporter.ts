/** Prints the plain closing line "Tests: N passed, N failed, N skipped" that CI tooling reads. */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      // A file that fails to load has no test results: count it as a failure, never as silence.
      const tests = [...m.children.allTests()];
      if (m.state() === 'failed' && !tests.some((t) => t.result().state === 'failed')) failed++;
      for (const t of tests) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
