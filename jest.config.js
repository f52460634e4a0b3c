const { availableParallelism, totalmem } = require('node:os');

/**
 * One test worker per CPU, and no more than one per 3 GiB of memory: an end-to-end
 * suite's `berserkr run` peaks at about 1.3 GiB with its threads. Jest's own default
 * (CPUs − 1) leaves a 2-core machine one worker (docs/test-suite.md).
 */
const workers = Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / 2 ** 30 / 3)));

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 120000,
  // A global read inside Jest's vm context goes through an interceptor, about 50× slower than in
  // plain Node (jestjs/jest#5163, nodejs/node#31658): passed in as each module's own bindings,
  // these read at Node's speed (docs/test-suite.md).
  sandboxInjectedGlobals: ['Math', 'Number', 'Float64Array', 'Float32Array', 'Int32Array', 'Uint32Array', 'Uint8Array'],
  maxWorkers: workers,
};
