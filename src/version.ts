/** The gateway's version, reported in logs and (with tracing) as `service.version`. Keep in step with package.json. */
export const VERSION = '0.1.0';
