import { TasksInFlight } from './tasks-in-flight';

/** A task that runs until `finish` is called, recording when it ran. */
function gatedTask(log: string[], name: string) {
  let finish!: (error?: Error) => void;
  const task = () =>
    new Promise<void>((resolve, reject) => {
      log.push(`start ${name}`);
      finish = (error) => {
        log.push(`end ${name}`);
        if (error) {
          reject(error);
        } else {
          resolve();
        }
      };
    });
  return { task, finish: (error?: Error) => finish(error) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Tasks a, b and c with a limit of two, a and b started. */
async function twoStartedOfThree() {
  const log: string[] = [];
  const tasks = new TasksInFlight(2);
  const [a, b, c] = ['a', 'b', 'c'].map((name) => gatedTask(log, name));
  await tasks.add(a.task);
  await tasks.add(b.task);
  return { log, tasks, a, b, c };
}

describe('TasksInFlight', () => {
  it('never runs more than its limit at once', async () => {
    const { log, tasks, a, b, c } = await twoStartedOfThree();
    const third = tasks.add(c.task);
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    await third;
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    a.finish();
    c.finish();
    await tasks.drain();
  });

  it('starts nothing after a failure and rejects once every task has settled', async () => {
    const { log, tasks, a, b, c } = await twoStartedOfThree();
    let settled = false;
    const third = tasks.add(c.task).finally(() => {
      settled = true;
    });
    a.finish(new Error('batch failed'));
    await tick();
    expect(settled).toBe(false);
    b.finish();
    await expect(third).rejects.toThrow('batch failed');
    await expect(tasks.drain()).rejects.toThrow('batch failed');
    expect(log).toEqual(['start a', 'start b', 'end a', 'end b']);
  });

  it('refuses a limit that would never let a task run', () => {
    expect(() => new TasksInFlight(0)).toThrow(RangeError);
  });

  it('settles without rejecting while drain rejects with the failure', async () => {
    const tasks = new TasksInFlight(1);
    await tasks.add(() => Promise.reject(new Error('batch failed')));
    await expect(tasks.settled()).resolves.toBeUndefined();
    await expect(tasks.drain()).rejects.toThrow('batch failed');
  });
});
