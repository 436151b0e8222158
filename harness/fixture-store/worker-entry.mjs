// A worker thread starts without its parent's TypeScript loader (bin/querygate.js registers tsx
// in the main thread only; vitest transforms only what it imports itself): register it here,
// then run the TypeScript module named by the parent.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
