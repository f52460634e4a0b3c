/**
 * scoring/runner.ts: a scoring run asked to stop (SIGTERM, a lost lock) stops
 * between its customer batches or before the next step of one, and says that
 * the scores parts it wrote are not published, rather than that nothing of the
 * step was written.
 */
import { InterruptibleRunRecorder } from '../../cli/context';
import { eventsBefore, knownCustomers } from '../../features/event-index';
import { RunInterruptedError } from '../../lib/interrupt';
import type { StageContext } from '../../lib/stage-context';
import { scoreStep } from '../../scoring/runner';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import type { MemoryStore } from '../helpers/memory-store';
import { retailContext } from '../helpers/stage-context';

/** What the error says the run leaves when `n` scores parts were written. */
function unpublished(n: number): string {
  const [part, is, them] = n === 1 ? ['part', 'is', 'it'] : ['parts', 'are', 'them'];
  return `the ${n} scores ${part} written so far ${is} not published (no export of the run is committed; \`berserkr gc\` removes ${them} once old enough, and a retry of the shard under its --run-id replaces ${them}), and nothing of the remaining steps was written`;
}

/** `text` as a literal inside a regular expression. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A context over a lake whose baselines score, with the CLI's run recorder (it refuses a step once
 * the stop signal is aborted); `saved()` counts the scores parts written.
 */
async function cliContext(): Promise<{ lake: MemoryStore; ctx: StageContext; stop: AbortController; saved: () => number }> {
  const lake = await lakeWithBaselines();
  const stop = new AbortController();
  const run = new InterruptibleRunRecorder({ command: 'score', code: { version: 'test', commit: null, dirty: false } }, stop.signal);
  const ctx = { ...retailContext(lake, 'score'), signal: stop.signal, run };
  const save = ctx.catalog.scores.save.bind(ctx.catalog.scores);
  let saved = 0;
  ctx.catalog.scores.save = async (...args: Parameters<typeof save>) => {
    const written = await save(...args);
    saved++;
    return written;
  };
  return { lake, ctx, stop, saved: () => saved };
}

describe('scoreStep stopped while it scores', () => {
  const { index, asOf } = shopIndex();
  const options = { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat' };

  it('stops before the next customer batch, naming the batches done and the parts left unpublished', async () => {
    const { lake, ctx, stop, saved } = await cliContext();
    const step = ctx.run.step.bind(ctx.run);
    ctx.run.step = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
      const result = await step(name, fn);
      if (name === 'publish' && saved() === 2) stop.abort(new Error('received SIGTERM'));
      return result;
    };
    const scoring = scoreStep(ctx, index, { ...options, batchCustomers: 2 });
    await expect(scoring).rejects.toThrow(RunInterruptedError);
    await expect(scoring).rejects.toThrow(new RegExp(`^stopped during step "score" after 2 of \\d+ customer batches: received SIGTERM; ${literal(unpublished(2))}$`));
    expect(saved()).toBe(2);
    expect(await lake.list('exports/')).toEqual([]);
  });

  it('says so too when the stop comes before a step inside a batch', async () => {
    const { lake, ctx, stop, saved } = await cliContext();
    const step = ctx.run.step.bind(ctx.run);
    ctx.run.step = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
      if (name === 'rank' && saved() === 1) stop.abort(new Error('received SIGTERM'));
      return step(name, fn);
    };
    const scoring = scoreStep(ctx, index, { ...options, batchCustomers: 2 });
    await expect(scoring).rejects.toThrow(new RegExp(`^stopped during step "score" in customer batch 2 of \\d+, before its step "rank": received SIGTERM; ${literal(unpublished(1))}$`));
    expect(saved()).toBe(1);
    expect(await lake.list('exports/')).toEqual([]);
  });

  it('says so too when the stop comes after the last batch, before the lists are published', async () => {
    const { lake, ctx, stop, saved } = await cliContext();
    const save = ctx.catalog.scores.save.bind(ctx.catalog.scores);
    ctx.catalog.scores.save = async (...args: Parameters<typeof save>) => {
      const written = await save(...args);
      if (saved() === 2) stop.abort(new Error('received SIGTERM'));
      return written;
    };
    const known = knownCustomers(index, eventsBefore(index, asOf));
    const scoring = scoreStep(ctx, index, { ...options, batchCustomers: Math.ceil(known / 2) });
    await expect(scoring).rejects.toThrow(new RegExp(`^stopped during step "score" after its 2 customer batches, before its step "publish": received SIGTERM; ${literal(unpublished(2))}$`));
    expect(await lake.list('exports/')).toEqual([]);
  });
});
