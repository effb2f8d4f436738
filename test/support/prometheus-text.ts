/** One sample line: `name{label="value",…} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  type: string;
  help: string;
}

export interface Exposition {
  families: Map<string, MetricFamily>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)';
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{(?:((?:${LABEL})(?:,${LABEL})*),?)?\\})? (${VALUE})(?: -?[0-9]+)?$`,
);
const LABEL_PAIR = new RegExp(
  `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`,
  'g',
);
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/**
 * Parses Prometheus text (format 0.0.4) strictly: every line is a HELP or
 * TYPE line, another comment, blank, or a sample of a family whose HELP and
 * TYPE came before it; a series appears once. Throws on the first line that
 * breaks a rule, naming it.
 */
export function parsePrometheusText(text: string): Exposition {
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') {
      continue;
    }
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment;
      if (!new RegExp(`^${NAME}$`).test(name)) {
        throw new Error(`bad metric name: ${line}`);
      }
      if (kind === 'HELP') {
        helps.set(name, rest);
      } else {
        if (!TYPES.includes(rest) || !helps.has(name)) {
          throw new Error(`TYPE without HELP, or of no type: ${line}`);
        }
        families.set(name, { type: rest, help: helps.get(name)! });
      }
      continue;
    }
    if (line.startsWith('#')) {
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (!match) {
      throw new Error(`not a sample line: ${line}`);
    }
    const [, name, labelText, valueText] = match;
    if (familyOf(name, families) === undefined) {
      throw new Error(`sample before its HELP and TYPE: ${line}`);
    }
    const labels: Record<string, string> = {};
    for (const [, label, value] of (labelText ?? '').matchAll(LABEL_PAIR)) {
      labels[label] = value.replace(/\\(["\\n])/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) {
      throw new Error(`series twice: ${line}`);
    }
    seen.add(series);
    samples.push({ name, labels, value: valueOf(valueText) });
  }
  return { families, samples };
}

/** The family a sample belongs to: its name, or a histogram's or summary's. */
function familyOf(
  name: string,
  families: Map<string, MetricFamily>,
): MetricFamily | undefined {
  const own = families.get(name);
  if (own !== undefined) {
    return own;
  }
  const suffix = /_(bucket|sum|count)$/.exec(name);
  const family = suffix ? families.get(name.slice(0, suffix.index)) : undefined;
  return family?.type === 'histogram' ||
    (family?.type === 'summary' && suffix?.[1] !== 'bucket')
    ? family
    : undefined;
}

function valueOf(text: string): number {
  if (text.endsWith('Inf')) {
    return text.startsWith('-') ? -Infinity : Infinity;
  }
  return Number(text);
}

/** The value of the series with exactly these labels; 0 when absent (a counter not yet counted). */
export function valueOfSeries(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const sample = exposition.samples.find(
    (candidate) =>
      candidate.name === name &&
      JSON.stringify(Object.entries(candidate.labels).sort()) === wanted,
  );
  return sample?.value ?? 0;
}
