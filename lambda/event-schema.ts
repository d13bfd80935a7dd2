/**
 * The configuration schema as the handler loads it: a lazily loaded chunk next to index.js (zod costs
 * ~90 ms, so it is loaded on the first event, never at init). The schema itself lives in contracts/.
 */
export { ConfigError, parseCheck } from '../contracts/config';
