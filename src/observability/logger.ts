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
  const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    sink(render(new Date(now()).toISOString(), LABEL[level], msg, fields));
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
 * The line as one string built in a single pass: no intermediate record, one
 * JSON.stringify per value (strings need their escaping), and one write to the
 * sink, so a line costs about as much as its characters.
 */
function renderJson(time: string, level: string, msg: string, fields?: LogFields): string {
  let line = `{"time":"${time}","level":"${level}","msg":${JSON.stringify(msg)}`;
  if (fields) {
    for (const key in fields) {
      const value = fields[key];
      if (value === undefined) continue;
      // Keys are the code's own, never a client's; a plain one needs no escaping.
      line += `,${PLAIN_KEY.test(key) ? `"${key}"` : JSON.stringify(key)}:${jsonValue(value)}`;
    }
  }
  return `${line}}`;
}

const PLAIN_KEY = /^[A-Za-z0-9_.]+$/;

function jsonValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value.length > MAX_FIELD_LENGTH ? capped(value) : value);
    default:
      return JSON.stringify(toLoggable(value)) ?? 'null';
  }
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
