import * as v from 'valibot';

/** Field schemas the request bodies of every API share, with OpenAI-style messages. */

/** Absent or null: OpenAI clients send explicit nulls for parameters they leave at their default. */
export const nullable = <T extends v.GenericSchema>(schema: T) => v.optional(v.nullable(schema));

export const text = v.string('expected a string');

export const range = (min: number, max: number) =>
  v.pipe(v.number('expected a number'), v.minValue(min, `expected a number from ${min} to ${max}`), v.maxValue(max, `expected a number from ${min} to ${max}`));

export const positiveInt = v.pipe(v.number('expected an integer'), v.integer('expected an integer'), v.minValue(1, 'expected an integer >= 1'));

export const functionName = v.pipe(text, v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a function name of up to 64 letters, digits, "_" or "-"'));
