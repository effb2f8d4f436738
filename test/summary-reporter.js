// Ends every jest run with one plain line, `jest: N passed, M failed`, that
// CI and people read without parsing jest's own summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\njest: ${results.numPassedTests} passed, ${failed} failed\n`,
    );
  }
}

module.exports = SummaryReporter;
