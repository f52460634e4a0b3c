/**
 * scoring/runner.ts: a scoring run asked to stop (SIGTERM, a lost lock) stops
 * between its customer batches, and says that the scores parts it wrote are not
 * published, rather than that nothing of the step was written.
 */
import { RunInterruptedError } from '../../lib/interrupt';
import { scoreStep } from '../../scoring/runner';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import { retailContext } from '../helpers/stage-context';

describe('scoreStep stopped while it scores', () => {
  it('stops before the next customer batch, naming the batches done and the parts left unpublished', async () => {
    const lake = await lakeWithBaselines();
    const { index, asOf } = shopIndex();
    const stop = new AbortController();
    const ctx = { ...retailContext(lake, 'score'), signal: stop.signal };
    const save = ctx.catalog.scores.save.bind(ctx.catalog.scores);
    let saved = 0;
    ctx.catalog.scores.save = async (...args: Parameters<typeof save>) => {
      const written = await save(...args);
      if (++saved === 2) stop.abort(new Error('received SIGTERM'));
      return written;
    };
    const scoring = scoreStep(ctx, index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', batchCustomers: 2 });
    await expect(scoring).rejects.toThrow(RunInterruptedError);
    await expect(scoring).rejects.toThrow(
      /^stopped during step "score" after 2 of \d+ customer batches: received SIGTERM; the 2 scores parts written so far are not published \(no export of the run is committed; `berserkr gc` removes them\), and nothing of the remaining steps was written$/,
    );
    expect(saved).toBe(2);
    expect((await lake.list('exports/')).map((o) => o.key)).toEqual([]);
  });
});
