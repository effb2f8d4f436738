import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { childEnvironment } from './child-environment';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = join(__dirname, '..', '..');

/**
 * Starts the admin console as automation does: a real child process. No
 * inherited database settings: `env` says all.
 */
export function startCli(
  args: string[],
  env: Record<string, string | undefined>,
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'src/cli.ts', ...args],
    { cwd: ROOT, env: childEnvironment(env, ['JWT_SECRET']), stdio: 'pipe' },
  );
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

/** Runs the admin console to its end: exit status and both streams. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<CliRun> {
  return startCli(args, env).done;
}
