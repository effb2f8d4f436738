import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = join(__dirname, '..', '..');

/**
 * Runs the admin console as automation does: a real child process, its exit
 * status and its two streams. No inherited database settings: `env` says all.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<CliRun> {
  const environment: Record<string, string | undefined> = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'TEST_DATABASE_URL',
    'ECONOMY_TEST_SERVER_URL',
    'JWT_SECRET',
  ]) {
    delete environment[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'src/cli.ts', ...args],
      { cwd: ROOT, env: { ...environment, ...env }, stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
