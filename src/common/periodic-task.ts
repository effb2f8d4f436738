import {
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

/**
 * Runs `work` every `everyMs`, one run at a time (a run still going when the
 * next is due makes it wait for the following tick). A failing run is logged
 * and the next one tries again. The timer never keeps the process alive.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly logger: Logger;

  constructor(
    name: string,
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
  ) {
    this.logger = new Logger(name);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running !== undefined) {
      return;
    }
    this.running = this.work()
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn(
            `run failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}

/** A provider that runs its task while the app runs (a server's sweeps). */
export abstract class PeriodicProvider
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly task: PeriodicTask;

  protected constructor(
    name: string,
    everyMs: number,
    work: () => Promise<unknown>,
  ) {
    this.task = new PeriodicTask(name, everyMs, work);
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}
