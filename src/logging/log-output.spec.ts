import type { LogLevel } from '@nestjs/common';
import { Writable } from 'node:stream';
import { createLogOutput, logFormatOf } from './log-output';

function captured(level: LogLevel, format: 'json' | 'pretty') {
  const written: string[] = [];
  const logs = createLogOutput(
    level,
    format,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        done();
      },
    }),
  );
  return { logs, written };
}

describe('createLogOutput', () => {
  it('writes one JSON object a line: level name, ISO time, message and fields', () => {
    const { logs, written } = captured('log', 'json');
    logs.info({ reqId: 'r-1', status: 201 }, 'request completed');
    expect(written).toHaveLength(1);
    expect(written[0].endsWith('\n')).toBe(true);
    const line = JSON.parse(written[0]) as Record<string, unknown>;
    expect(line).toEqual({
      level: 'info',
      time: expect.any(String) as unknown,
      pid: process.pid,
      hostname: expect.any(String) as unknown,
      msg: 'request completed',
      reqId: 'r-1',
      status: 201,
    });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it.each([
    ['error', ['error']],
    ['warn', ['error', 'warn']],
    ['log', ['error', 'warn', 'info']],
    ['debug', ['error', 'warn', 'info', 'debug']],
    ['verbose', ['error', 'warn', 'info', 'debug', 'trace']],
  ] as const)(
    'at LOG_LEVEL=%s writes that level and those above',
    (level, expected) => {
      const { logs, written } = captured(level, 'json');
      for (const method of [
        'trace',
        'debug',
        'info',
        'warn',
        'error',
      ] as const) {
        logs[method]('line');
      }
      expect(
        written.map((line) => (JSON.parse(line) as { level: string }).level),
      ).toEqual([...expected].reverse());
    },
  );

  it('writes lines for a person in the pretty format', () => {
    const { logs, written } = captured('log', 'pretty');
    logs.info({ context: 'Bootstrap' }, 'listening');
    expect(written.join('')).toMatch(/INFO.*\[Bootstrap\] listening/);
    expect(() => JSON.parse(written[0]) as unknown).toThrow();
  });
});

describe('logFormatOf', () => {
  it.each([
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
    [undefined, true, 'pretty'],
    [undefined, false, 'json'],
  ] as const)(
    'LOG_FORMAT=%s with a terminal: %s gives %s',
    (configured, terminal, format) => {
      expect(logFormatOf(configured, terminal)).toBe(format);
    },
  );
});
