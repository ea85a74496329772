/**
 * Histogram buckets, in seconds or bytes. Latency buckets start at 100 µs so
 * the gateway's own overhead (tens to hundreds of microseconds) is resolved,
 * and reach 5 minutes for long generations.
 */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;

/** Conversation store operations: microseconds in memory, milliseconds over the network. */
export const STORE_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;

/** Request and response bodies: 64 B to 16 MiB in powers of 4. */
export const SIZE_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216] as const;
