/**
 * Structured logs: one JSON object per line (or `key=value` text), with the
 * fields `time`, `level`, `msg`, then the context's. Fields with an
 * undefined value are left out. A string field (and an error's message) longer
 * than MAX_FIELD_LENGTH is cut there and marked, so a client's 9 MB model name
 * never becomes a 9 MB log line.
 */
import type { LogFields, Logger, LogLevel } from '../core/logger.ts';

export type { LogFields, Logger, LogLevel };

export interface LoggerOptions {
  level: LogLevel;
  format: 'json' | 'text';
  /** Where finished lines go; defaults to console.log (stdout on every runtime). */
  sink?: (line: string) => void;
  /** Clock in milliseconds since the epoch. */
  now?: () => number;
}

/** The longest string a log field keeps, in UTF-16 code units (before the marker). */
export const MAX_FIELD_LENGTH = 1024;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

export function createLogger(options: LoggerOptions): Logger {
  const min = RANK[options.level];
  const sink = options.sink ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const render = options.format === 'json' ? renderJson : renderText;
  // Lines come many to a millisecond under load: the timestamp is formatted once per millisecond.
  let lastMs = Number.NaN;
  let lastTime = '';
  const timestamp = (): string => {
    const ms = now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastTime = new Date(ms).toISOString();
    }
    return lastTime;
  };
  const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    sink(render(timestamp(), LABEL[level], msg, fields));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    enabled: (level) => RANK[level] >= min,
  };
}

/**
 * The line is one native JSON.stringify of the caller's fields behind the
 * fixed `time`, `level` and `msg` (JSON.stringify leaves out undefined values
 * itself), written once: no copy of the fields, unless one of them must be
 * made loggable first (a long string, an Error).
 */
function renderJson(time: string, level: string, msg: string, fields?: LogFields): string {
  const head = `{"time":"${time}","level":"${level}","msg":${JSON.stringify(msg)}`;
  if (!fields) return `${head}}`;
  const body = JSON.stringify(needsCopy(fields) ? loggableCopy(fields) : fields);
  return body.length > 2 ? `${head},${body.slice(1)}` : `${head}}`;
}

function needsCopy(fields: LogFields): boolean {
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === 'string' ? value.length > MAX_FIELD_LENGTH : value instanceof Error) return true;
    // A field may not replace the line's own time, level or message: the copy leaves such a field out.
    if (key === 'time' || key === 'level' || key === 'msg') return true;
  }
  return false;
}

function loggableCopy(fields: LogFields): LogFields {
  const record: LogFields = {};
  for (const key in fields) if (fields[key] !== undefined && key !== 'time' && key !== 'level' && key !== 'msg') record[key] = toLoggable(fields[key]);
  return record;
}

function renderText(time: string, level: string, msg: string, fields?: LogFields): string {
  let line = `time=${time} level=${level} msg=${JSON.stringify(msg)}`;
  if (fields) {
    for (const key in fields) {
      const value = toLoggable(fields[key]);
      if (value === undefined) continue;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      line += ` ${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
    }
  }
  return line;
}

function toLoggable(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_FIELD_LENGTH ? capped(value) : value;
  if (value instanceof Error) {
    return { name: capped(value.name), message: capped(value.message), ...(value.cause instanceof Error ? { cause: capped(value.cause.message) } : {}) };
  }
  return value;
}

/** `text` cut to MAX_FIELD_LENGTH with a marker saying how much was left out; short strings pay one comparison. */
function capped(text: string): string {
  if (text.length <= MAX_FIELD_LENGTH) return text;
  return `${text.slice(0, MAX_FIELD_LENGTH)}…[${text.length - MAX_FIELD_LENGTH} more characters]`;
}

/** A logger that discards everything (tests, embedding). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  enabled: () => false,
};
