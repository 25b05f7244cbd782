// Prints `# N passed, M failed` after the run (next to the list reporter), the line
// `cargo xtask test` counts. A test counts by its final outcome; an error outside any test (a
// global setup, a file that does not load) and a run that fails with no failed test count as
// failures too, so nothing fails with a clean count.
export default class CountReporter {
  onBegin(config, suite) { this.suite = suite; this.errors = 0; }

  onError() { this.errors++; }

  onEnd(result) {
    let passed = 0;
    let failed = this.errors;
    let skipped = 0;
    for (const t of this.suite?.allTests() ?? []) {
      const outcome = t.outcome();
      if (outcome === 'expected') passed++;
      else if (outcome === 'skipped') skipped++;
      else failed++; // unexpected, and flaky (retries are off; a retried pass still failed once)
    }
    if (result.status !== 'passed' && failed === 0) failed = 1;
    if (skipped) console.log(`# ${skipped} skipped`);
    console.log(`# ${passed} passed, ${failed} failed`);
  }

  printsToStdio() { return true; }
}
