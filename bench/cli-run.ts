import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface CliMeasurement {
  code: number | null;
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

const CLI = join(__dirname, '..', 'dist', 'cli.js');

/**
 * Runs the built CLI as operators do and samples its peak resident memory
 * (VmHWM, a high-water mark) from /proc while it runs.
 */
export async function measureCli(
  args: string[],
  env: Record<string, string>,
): Promise<CliMeasurement> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let peakKb = 0;
  const sampler = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8').then(
      (status) => {
        const match = /VmHWM:\s+(\d+) kB/.exec(status);
        peakKb = Math.max(peakKb, match ? Number(match[1]) : 0);
      },
      () => undefined,
    );
  }, 10);
  const code = await new Promise<number | null>((resolve) =>
    child.once('close', resolve),
  );
  clearInterval(sampler);
  return {
    code,
    seconds: (performance.now() - started) / 1000,
    peakRssMb: Math.round(peakKb / 1024),
    stdout,
  };
}
