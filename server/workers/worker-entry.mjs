// Worker entry when running the TypeScript sources (tsx, vitest, `npm run dev`): a worker thread starts without the
// parent's module hooks, so register tsx's loader here before importing the real worker. The precompiled server
// (`npm start`) uses dist/worker.mjs instead (see server/workers/pool.ts).
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');

export default worker.default;
