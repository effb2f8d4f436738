import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

const REDOCLY_CLI = require.resolve('@redocly/cli/bin/cli.js');

/**
 * The problems Redocly CLI finds in `document` under its `recommended`
 * rules, as `npx @redocly/cli lint` reports them. It runs offline: telemetry
 * (its only network use, a DNS lookup at the end of every run) is off.
 */
export async function redoclyLint(document: object): Promise<LintProblem[]> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [REDOCLY_CLI, 'lint', file, '--extends=recommended', '--format=json'],
        {
          env: {
            ...process.env,
            REDOCLY_TELEMETRY: 'off',
            REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
          },
          timeout: 30_000,
        },
        // Exit status 1 means errors were found: the report says which.
        (error, out, stderr) =>
          out.trim().startsWith('{')
            ? resolve(out)
            : reject(
                new Error(`redocly lint failed: ${error?.message} ${stderr}`),
              ),
      );
    });
    return (JSON.parse(stdout) as { problems: LintProblem[] }).problems;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
