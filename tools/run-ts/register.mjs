// Lets a plain `node` process (a child process or worker spawned by a test) run the workspace's
// TypeScript sources, the way vitest does: `node --import ./tools/run-ts/register.mjs file.ts`.
// Workspace packages resolve through their `@autonas/source` export condition; `./x.js` imports
// fall back to `./x.ts`; .ts files are transpiled (no type check) with the workspace's TypeScript.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
