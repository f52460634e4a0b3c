/**
 * `berserkr score`: score the candidates at the as-of time with a registered
 * model and publish top-K exports; `--shard i/N --run-id <id>` scores one shard
 * of a run (the last shard to finish commits it), `--commit --run-id <id>
 * --shards N` commits a run whose N shards are all done.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ExportFormat } from '../../lib/catalog';
import { assertRunId } from '../../lib/catalog/run-id';
import { DEFAULT_BATCH_CUSTOMERS, DEFAULT_FORMATS, defaultForwardThreads, parseFormats } from '../../scoring/settings';
import { parseShard, type ShardSpec } from '../../scoring/shard';
import type { DataCommandOptions } from '../command';
import { commonOptions, parsePositiveInt } from '../options';

/** Turns a parser's typed error into commander's usage error (exit 2), keeping the message. */
const usage =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };

/** `--format`: the export formats, comma-separated (Parquet, the canonical file, is written whatever is asked). */
export const formatOption = (): Option =>
  new Option('--format <list>', 'export formats, comma-separated: csv (with header), parquet, jsonl; top-k.parquet, the file export, evaluate and report read back, is written whatever is asked').default([...DEFAULT_FORMATS], DEFAULT_FORMATS.join(',')).argParser(usage(parseFormats));

/** `--run-id` (or `flags`): a run id as `runs/` names them. */
export const runIdOption = (description: string, flags = '--run-id <id>'): Option => new Option(flags, description).argParser(usage(assertRunId));

/** Parses a `[run-id]` argument: a run id as `runs/` names them, else a usage error quoting it. */
export const parseRunIdArgument = usage(assertRunId);

interface ScoreOptions extends DataCommandOptions {
  asOf?: number;
  topK: number;
  horizon: number;
  model?: string;
  shard?: ShardSpec;
  runId?: string;
  format: ExportFormat[];
  batchCustomers: number;
  threads: number;
  commit?: boolean;
  shards?: number;
}

/** Registers `score` on `program`. */
export function registerScore(program: Command): void {
  program
    .command('score')
    .description('score candidate pairs at the as-of time with the champion (or --model) and publish scores/<data set>/ and exports/<data set>/ (exports/<data set>/latest.json last)')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(commonOptions.asOf())
    .addOption(commonOptions.topK())
    .addOption(commonOptions.horizon())
    .addOption(new Option('--model <id>', 'model id under models/, blend:<model-id>, baseline:<name>@<model-id>, or baseline:<name>: a fit of that baseline for the as-of time and horizon (the one the run\'s finished shards scored with, else the champion\'s, else the one of the latest validation cut-off; give parallel shards the full id); default: the champion of models/<data set>/champion.json (pass it to every shard of a run)'))
    .addOption(new Option('--shard <i/N>', 'score only shard i of N (customers by FNV-1a hash of their id); default 0/1').argParser(usage(parseShard)))
    .addOption(runIdOption('scoring run the outputs go under, shared by all its shards; default: this command\'s run id'))
    .addOption(formatOption())
    .addOption(new Option('--batch-customers <n>', 'customers per scoring batch (memory is proportional)').default(DEFAULT_BATCH_CUSTOMERS).argParser(parsePositiveInt))
    .addOption(new Option('--threads <n>', 'forward-pass threads, this one included (each more holds a model copy, ~100 MiB)').default(defaultForwardThreads()).argParser(parsePositiveInt))
    .addOption(new Option('--commit', 'only commit run --run-id whose --shards N shards are all done: merge, export, flip exports/<data set>/latest.json'))
    .addOption(new Option('--shards <n>', 'with --commit: the number of shards N').argParser(parsePositiveInt))
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<ScoreOptions>();
      if (o.commit && (o.runId === undefined || o.shards === undefined)) cmd.error('error: --commit needs --run-id <id> and --shards <n>');
      if (!o.commit && o.shards !== undefined) cmd.error('error: --shards <n> is for --commit; a shard to score is --shard <i/N>');
      if (o.commit && o.shard !== undefined) cmd.error(`error: --commit only commits the --shards <n> shards of run --run-id, it scores none: drop --shard ${o.shard.index}/${o.shard.count}`);
      // Each command has its own run id: shards without a shared one could never be merged.
      if (o.shard !== undefined && o.shard.count > 1 && o.runId === undefined) cmd.error(`error: --shard ${o.shard.index}/${o.shard.count} needs --run-id <id>, the scoring run all ${o.shard.count} shards share`);
      const { runCommand } = require('../command') as typeof import('../command');
      await runCommand('score', o, async (ctx) => {
        const { commitStep } = require('../../scoring/publish-export') as typeof import('../../scoring/publish-export');
        const { resolveModelId, scoreStep } = require('../../scoring/runner') as typeof import('../../scoring/runner');
        const { eventsStep, resolveAsOf } = require('../../features/runner') as typeof import('../../features/runner');
        const { evaluateCommitted, evaluateStep } = require('../../evaluation/runner') as typeof import('../../evaluation/runner');
        const { evaluationResult } = require('../evaluation-result') as typeof import('../evaluation-result');
        if (o.commit) {
          const meta = await commitStep(ctx, o.runId!, o.shards!);
          const uri = ctx.catalog.exports.uri(meta.runId);
          return { summary: { export: uri, modelId: meta.modelId, rows: meta.rows, customers: meta.customers, shards: meta.shards }, text: `export ${uri} (${meta.rows} rows, ${meta.customers} customers)\n` };
        }
        const given = await resolveModelId(ctx.catalog, o.model);
        const index = await eventsStep(ctx);
        const asOf = resolveAsOf(index, o.asOf);
        const whole = o.shard === undefined || o.shard.count === 1;
        // A whole run is evaluated before its commit, so that a failed or stopped evaluation publishes nothing.
        const scored = await scoreStep(ctx, index, {
          asOf,
          horizonDays: o.horizon,
          k: o.topK,
          modelId: given,
          shard: o.shard,
          runId: o.runId,
          formats: o.format,
          batchCustomers: o.batchCustomers,
          threads: o.threads,
          collect: whole,
          commit: !whole,
        });
        // What it scored with: `baseline:<name>` alone resolves to a fit, which the marker names.
        const modelId = scored.marker.modelId;
        const shard = o.shard === undefined ? null : `${o.shard.index}/${o.shard.count}`;
        if (scored.alreadyCommitted !== undefined) {
          // A retry of a shard of a run committed already (a pod killed after the commit): nothing to score, commit or evaluate.
          const meta = scored.alreadyCommitted;
          const uri = ctx.catalog.exports.uri(meta.runId);
          const summary = { dataset: ctx.config.name, scoringRun: scored.runId, modelId, asOf: new Date(asOf).toISOString(), shard, export: uri, alreadyCommitted: true, evaluation: null };
          return { summary, text: `${shard === null ? 'run' : `shard ${shard} of run`} ${scored.runId} is committed already: export ${uri} (${meta.rows} rows, ${meta.customers} customers); nothing to score\n` };
        }
        // Metrics need every customer's list: a whole run is evaluated from its lists in memory, before its commit;
        // a sharded run by the shard that commits it, from the committed export read back (after the commit, which it needs).
        const inMemory = whole ? await evaluateStep(ctx, index, asOf, o.horizon, o.topK, { name: modelId, lists: scored.lists, scored: scored.scored }) : undefined;
        const committed = whole ? await commitStep(ctx, scored.runId, 1) : scored.committed;
        const evaluated = whole ? inMemory : committed === undefined ? undefined : await evaluateCommitted(ctx, index, committed);
        const exported = committed === undefined ? null : ctx.catalog.exports.uri(committed.runId);
        const summary = {
          dataset: ctx.config.name,
          scoringRun: scored.runId,
          modelId,
          asOf: new Date(asOf).toISOString(),
          shard,
          export: exported,
          alreadyCommitted: false,
        };
        const where = exported === null ? `shard ${summary.shard} of run ${scored.runId} scored; the run is not committed yet\n` : `export ${exported} (${committed!.rows} rows, ${committed!.customers} customers)\n`;
        if (evaluated === undefined) return { summary: { ...summary, evaluation: null }, text: where };
        const evaluation = evaluationResult(evaluated, { dataset: ctx.config.name, modelId, asOf, horizonDays: o.horizon });
        return { summary: { ...summary, evaluation: evaluation.summary }, text: where + evaluation.text };
      });
    });
}
