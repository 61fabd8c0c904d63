/**
 * V8 settings of the standalone server (`npm start`), set before any other
 * module of it loads (server.ts imports this first). A host app sets its own
 * process's flags; docs/operations.md says which one we recommend and why.
 *
 * No allocation-site pretenuring: V8 allocates the objects of a literal
 * straight into the old generation once, at some young collection, most of
 * those it made were still alive. When that happens to zod's parse results
 * (seen during a burst of sign-ups and connections right after start-up),
 * every later frame's parse lands there, and each such object keeps the
 * frame's young strings alive until a full collection: about 190 more bytes promoted per message, a mark-compact
 * every 2-3 s at half load, and a half-load p99 of 23-28 ms instead of 6-7
 * (bench/RESULTS.md, "Issue 19, tenth pass").
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
