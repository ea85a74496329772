import * as v from 'valibot';

/** Field schemas the request bodies of every API share, with OpenAI-style messages. */

/** Absent or null: OpenAI clients send explicit nulls for parameters they leave at their default. */
export const nullable = <T extends v.GenericSchema>(schema: T) => v.optional(v.nullable(schema));

export const text = v.string('expected a string');

export const range = (min: number, max: number) =>
  v.pipe(v.number('expected a number'), v.minValue(min, `expected a number from ${min} to ${max}`), v.maxValue(max, `expected a number from ${min} to ${max}`));

export const intRange = (min: number, max: number) =>
  v.pipe(
    v.number(`expected an integer from ${min} to ${max}`),
    v.integer(`expected an integer from ${min} to ${max}`),
    v.minValue(min, `expected an integer from ${min} to ${max}`),
    v.maxValue(max, `expected an integer from ${min} to ${max}`),
  );

export const positiveInt = v.pipe(v.number('expected an integer'), v.integer('expected an integer'), v.minValue(1, 'expected an integer >= 1'));

export const functionName = v.pipe(text, v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a function name of up to 64 letters, digits, "_" or "-"'));

/** Model names are short; a bound keeps a client's invented name out of logs and spans at any size. */
export const modelName = v.pipe(text, v.nonEmpty('expected a model name'), v.maxLength(256, 'expected a model name of at most 256 characters'));

const isPlainObject = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null && !Array.isArray(input);

/** valibot's object and record accept arrays; OpenAI's objects do not. */
const plainObject = v.custom<Record<string, unknown>>(isPlainObject, 'expected an object');

/** An object (never an array) with these entries; other keys are ignored. */
export const objectOf = <T extends v.ObjectEntries>(entries: T) => v.pipe(plainObject, v.object(entries, 'expected an object'));

/** An object (never an array) of any JSON values: JSON schemas, function parameters. */
export const jsonObject = v.pipe(plainObject, v.record(v.string(), v.unknown()));

/** OpenAI's metadata: at most 16 pairs, keys of at most 64 characters, string values of at most 512. */
export const metadata = v.pipe(
  plainObject,
  v.record(v.pipe(v.string(), v.maxLength(64, 'expected keys of at most 64 characters')), v.pipe(text, v.maxLength(512, 'expected values of at most 512 characters'))),
  v.check((m) => Object.keys(m).length <= 16, 'expected at most 16 key-value pairs'),
);

/** The message of a parameter the gateway cannot honour; validateBody answers it as `unsupported_parameter`. */
export const UNSUPPORTED = 'is not supported by this gateway';

/**
 * A parameter OpenAI has and the gateway cannot honour. Null (or its neutral
 * value, such as `logprobs: false`) means "not set" and is accepted; any other
 * value that OpenAI would accept is a 400 `unsupported_parameter`, never
 * silently ignored. Values OpenAI would refuse are refused as it does.
 */
export const unsupported = <T extends v.GenericSchema>(schema: T, isNeutral: (value: v.InferOutput<T>) => boolean = () => false) =>
  nullable(v.pipe(schema, v.check(isNeutral, UNSUPPORTED)));
