/** `90s`, `15m`, `12h`, `7d`, or a number of seconds; never zero. */
export const DURATION_PATTERN = /^[1-9]\d{0,8}[smhd]?$/;

const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A DURATION_PATTERN duration in seconds. */
export function durationSeconds(duration: string): number {
  const unit = duration.at(-1) as keyof typeof SECONDS_PER_UNIT | undefined;
  return unit !== undefined && unit in SECONDS_PER_UNIT
    ? Number(duration.slice(0, -1)) * SECONDS_PER_UNIT[unit]
    : Number(duration);
}
