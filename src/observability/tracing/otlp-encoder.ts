import type { AttributeValue, Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * OTLP/protobuf encoding of `ExportTraceServiceRequest`
 * (opentelemetry/proto/collector/trace/v1), written in one pass into a
 * reused buffer: a nested message reserves one byte for its length and is
 * moved up in the rare case it needs more. Field order and presence follow
 * OpenTelemetry JS's own serializer, so the bytes are the same. What repeats
 * across spans is encoded once: the resource and scope, and attribute keys.
 */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): Uint8Array {
  const w = writer;
  w.pos = 0;
  for (const [resource, scopes] of group(spans)) {
    const resourceSpans = w.open(1);
    w.raw(resourceBytes(resource));
    for (const list of scopes.values()) {
      const scopeSpans = w.open(2);
      const scope = list[0]!.instrumentationScope;
      w.raw(scopeBytes(scope));
      for (const span of list) writeSpan(w, span);
      if (scope.schemaUrl) w.stringField(3, scope.schemaUrl);
      w.close(scopeSpans);
    }
    if (resource.schemaUrl) w.stringField(3, resource.schemaUrl);
    w.close(resourceSpans);
  }
  return w.buf.slice(0, w.pos);
}

/** Spans by resource, then by instrumentation scope (object identity, as the SDK shares them). */
function group(spans: readonly ReadableSpan[]): Map<Resource, Map<InstrumentationScope, ReadableSpan[]>> {
  const out = new Map<Resource, Map<InstrumentationScope, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = out.get(span.resource);
    if (!scopes) out.set(span.resource, (scopes = new Map()));
    const list = scopes.get(span.instrumentationScope);
    if (list) list.push(span);
    else scopes.set(span.instrumentationScope, [span]);
  }
  return out;
}

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function writeSpan(w: Writer, span: ReadableSpan): void {
  const start = w.open(2);
  const context = span.spanContext();
  w.hexField(1, context.traceId);
  w.hexField(2, context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) w.stringField(3, traceState);
  const parent = span.parentSpanContext;
  if (parent?.spanId) w.hexField(4, parent.spanId);
  w.stringField(5, span.name);
  // OTLP's SpanKind counts from UNSPECIFIED = 0; the API's from INTERNAL = 0.
  if (span.kind != null) w.varintField(6, span.kind + 1);
  w.timeField(7, span.startTime);
  w.timeField(8, span.endTime);
  w.attributes(9, span.attributes);
  w.varintField(10, span.droppedAttributesCount);
  for (const event of span.events) writeEvent(w, event);
  w.varintField(12, span.droppedEventsCount);
  for (const link of span.links) writeLink(w, link);
  w.varintField(14, span.droppedLinksCount);
  const status = w.open(15);
  if (span.status.message) w.stringField(2, span.status.message);
  w.varintField(3, span.status.code);
  w.close(status);
  w.fixed32Field(16, flags(context, parent?.isRemote));
  w.close(start);
}

function writeEvent(w: Writer, event: TimedEvent): void {
  const start = w.open(11);
  w.timeField(1, event.time);
  w.stringField(2, event.name);
  if (event.attributes) w.attributes(3, event.attributes);
  w.varintField(4, event.droppedAttributesCount ?? 0);
  w.close(start);
}

function writeLink(w: Writer, link: Link): void {
  const start = w.open(13);
  const context = link.context;
  w.hexField(1, context.traceId);
  w.hexField(2, context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) w.stringField(3, traceState);
  if (link.attributes) w.attributes(4, link.attributes);
  w.varintField(5, link.droppedAttributesCount ?? 0);
  w.fixed32Field(6, flags(context, context.isRemote));
  w.close(start);
}

function flags(context: SpanContext, isRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

const resources = new WeakMap<Resource, Uint8Array>();
/** ResourceSpans.resource (field 1), encoded once per resource. */
function resourceBytes(resource: Resource): Uint8Array {
  let bytes = resources.get(resource);
  if (!bytes) {
    bytes = encodeOnce((w) => {
      const start = w.open(1);
      w.attributes(1, resource.attributes);
      w.varintField(2, 0);
      w.close(start);
    });
    resources.set(resource, bytes);
  }
  return bytes;
}

const scopes = new WeakMap<InstrumentationScope, Uint8Array>();
/** ScopeSpans.scope (field 1), encoded once per scope. */
function scopeBytes(scope: InstrumentationScope): Uint8Array {
  let bytes = scopes.get(scope);
  if (!bytes) {
    bytes = encodeOnce((w) => {
      const start = w.open(1);
      w.stringField(1, scope.name);
      if (scope.version) w.stringField(2, scope.version);
      w.close(start);
    });
    scopes.set(scope, bytes);
  }
  return bytes;
}

function encodeOnce(write: (w: Writer) => void): Uint8Array {
  const w = new Writer(256);
  write(w);
  return w.buf.slice(0, w.pos);
}

const HEX = new Int8Array(128).fill(0);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

/** Encoded `KeyValue.key` fields (tag, length, UTF-8), for the attribute names in use; bounded. */
const keys = new Map<string, Uint8Array>();
const MAX_CACHED_KEYS = 512;
const encoder = new TextEncoder();
const TWO_32 = 0x1_0000_0000;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(more: number): void {
    if (this.pos + more <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + more) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Starts a length-delimited field; returns where its one-byte length sits. */
  open(field: number): number {
    this.ensure(8);
    this.tag(field, 2);
    this.buf[this.pos] = 0;
    return this.pos++;
  }

  /** Writes the length of the field opened at `at`, moving its content up when it needs more than one byte. */
  close(at: number): void {
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buf[at] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos = at;
    this.varint(length);
    this.pos += length;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    if (value >= 0 && value < TWO_32) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    // int64 beyond 32 bits, negative ones as two's complement (ten bytes).
    let hi = Math.floor(value / TWO_32);
    let lo = value - hi * TWO_32;
    hi >>>= 0;
    lo >>>= 0;
    while (hi > 0 || lo > 0x7f) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.pos++] = lo;
  }

  varintField(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  fixed32Field(field: number, value: number): void {
    this.ensure(7);
    this.tag(field, 5);
    this.view.setUint32(this.pos, value, true);
    this.pos += 4;
  }

  /** An HrTime ([seconds, nanoseconds]) as fixed64 nanoseconds, exact beyond 2^53. */
  timeField(field: number, time: HrTime): void {
    this.ensure(11);
    this.tag(field, 1);
    const [seconds, nanos] = time;
    // seconds × 1e9 split at 16 bits of seconds, so that every product stays below 2^53.
    const low = (seconds % 0x10000) * 1e9 + nanos;
    const high = Math.floor(seconds / 0x10000) * 1e9;
    const highLow = (high % 0x10000) * 0x10000 + (low % TWO_32);
    const lo = highLow % TWO_32;
    const hi = Math.floor(high / 0x10000) + Math.floor(low / TWO_32) + Math.floor(highLow / TWO_32);
    this.view.setUint32(this.pos, lo, true);
    this.view.setUint32(this.pos + 4, hi >>> 0, true);
    this.pos += 8;
  }

  /** A hex id (trace or span id) as bytes. */
  hexField(field: number, hex: string): void {
    const length = hex.length >> 1;
    this.ensure(length + 6);
    this.tag(field, 2);
    this.varint(length);
    const buf = this.buf;
    for (let i = 0; i < length; i++) buf[this.pos++] = (HEX[hex.charCodeAt(2 * i) & 0x7f]! << 4) | HEX[hex.charCodeAt(2 * i + 1) & 0x7f]!;
  }

  stringField(field: number, text: string): void {
    this.ensure(text.length * 3 + 16);
    const at = this.open(field);
    const buf = this.buf;
    let pos = this.pos;
    const length = text.length;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII: the whole string through the encoder.
        pos = this.pos + encoder.encodeInto(text, buf.subarray(this.pos)).written;
        break;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
    this.close(at);
  }

  attributes(field: number, attributes: Attributes): void {
    for (const key in attributes) {
      const value = attributes[key];
      const kv = this.open(field);
      this.key(key);
      const any = this.open(2);
      this.anyValue(value);
      this.close(any);
      this.close(kv);
    }
  }

  key(key: string): void {
    const cached = keys.get(key);
    if (cached) {
      this.raw(cached);
      return;
    }
    const start = this.pos;
    this.stringField(1, key);
    if (keys.size < MAX_CACHED_KEYS) keys.set(key, this.buf.slice(start, this.pos));
  }

  /** AnyValue's fields, chosen as OpenTelemetry JS does: integers within int64 as int_value, other numbers as double_value. */
  anyValue(value: AttributeValue | undefined | null): void {
    switch (typeof value) {
      case 'string':
        this.stringField(1, value);
        return;
      case 'boolean':
        this.varintField(2, value ? 1 : 0);
        return;
      case 'number':
        if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
          this.varintField(3, value);
        } else {
          this.ensure(10);
          this.tag(4, 1);
          this.view.setFloat64(this.pos, value, true);
          this.pos += 8;
        }
        return;
      default:
        if (Array.isArray(value)) {
          const array = this.open(5);
          for (const item of value) {
            const any = this.open(1);
            this.anyValue(item);
            this.close(any);
          }
          this.close(array);
        }
      // null, undefined (an array's holes): an empty AnyValue.
    }
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

const writer = new Writer(64 * 1024);
