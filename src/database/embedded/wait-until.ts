const STARTUP_WAIT_MS = 15_000;

/** Polls `condition` every `everyMs`, for 15 seconds at most: whether it came true. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  everyMs: number,
): Promise<boolean> {
  for (let waited = 0; ; waited += everyMs) {
    if (await condition()) {
      return true;
    }
    if (waited >= STARTUP_WAIT_MS) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
