// Child process of crash.test.ts: one `ingestAll` run from the compiled dist/ build,
// killed by the test at chosen points. Usage: node crash-runner.js RAW_DIR LAKE_DIR CONFIG BATCH_LINES WORKERS
'use strict';
const { readFileSync } = require('fs');
const { join } = require('path');
const dist = join(__dirname, '..', '..', 'dist');
const { ingestAll, createLzoRegistry } = require(join(dist, 'ingest'));
const { loadConfig } = require(join(dist, 'lib', 'config'));
const { FileStore } = require(join(dist, 'lib', 'store', 'file'));

const [rawDir, lakeDir, configPath, batchLines, workers] = process.argv.slice(2);
const config = loadConfig(readFileSync(configPath, 'utf8'), configPath);
ingestAll(new FileStore(rawDir), new FileStore(lakeDir), config, { codecs: createLzoRegistry(), batchLines: Number(batchLines), workers: Number(workers) }).then(
  (result) => {
    process.stdout.write(JSON.stringify({ ingested: result.ingested.length, unchanged: result.unchanged.length, failed: result.failed.map((f) => f.error.message) }));
  },
  (error) => {
    process.stderr.write(String(error && error.stack));
    process.exit(1);
  },
);
