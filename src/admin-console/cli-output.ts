import { Injectable } from '@nestjs/common';

const PROGRESS_AFTER_MS = 2000;

/**
 * Results go to stdout, one fact per line or one JSON document; progress goes
 * to stderr, only on a terminal and only once a run has lasted a while. In
 * JSON, a bigint is a number while it is a safe integer and a string of its
 * digits beyond (a JSON reader would round it).
 */
@Injectable()
export class CliOutput {
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  json(document: unknown): void {
    process.stdout.write(`${JSON.stringify(document, exactIntegers, 2)}\n`);
  }

  /**
   * One JSON document whose `field` array is written item by item, so that
   * memory stays flat however long it grows; `finish` adds the other fields.
   */
  jsonStream(
    head: Record<string, unknown>,
    field: string,
  ): {
    item(value: unknown): void;
    finish(tail: Record<string, unknown>): void;
  } {
    const opening = JSON.stringify(head, exactIntegers).slice(0, -1);
    process.stdout.write(
      `${opening}${opening.length > 1 ? ',' : ''}${JSON.stringify(field)}:[`,
    );
    let first = true;
    return {
      item: (value) => {
        process.stdout.write(
          `${first ? '' : ','}\n${JSON.stringify(value, exactIntegers)}`,
        );
        first = false;
      },
      finish: (tail) => {
        const rest = JSON.stringify(tail, exactIntegers).slice(1);
        process.stdout.write(`]${rest.length > 1 ? ',' : ''}${rest}\n`);
      },
    };
  }

  progress(): { update(message: string): void; done(): void } {
    const started = Date.now();
    let shown = false;
    const enabled = process.stderr.isTTY === true;
    return {
      update: (message) => {
        if (enabled && Date.now() - started >= PROGRESS_AFTER_MS) {
          process.stderr.write(`\r${message}`);
          shown = true;
        }
      },
      done: () => {
        if (shown) {
          process.stderr.write('\n');
        }
      },
    };
  }
}

function exactIntegers(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') {
    return value;
  }
  return value >= BigInt(Number.MIN_SAFE_INTEGER) &&
    value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}
