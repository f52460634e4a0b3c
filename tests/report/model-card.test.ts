/**
 * report/runner.ts `runModelCard`: which card the report of a run shows — that
 * of the model the run trained, else that of the model it scored with (a blend
 * names its model); none for a baseline or a model saved without a card.
 */
import { Catalog } from '../../lib/catalog';
import { runModelCard } from '../../report/runner';
import { MemoryStore } from '../helpers/memory-store';
import { syntheticModelCard } from './synthetic';

describe('runModelCard', () => {
  const catalog = new Catalog(new MemoryStore(), 'online-retail');
  const card = syntheticModelCard();
  beforeAll(async () => {
    await catalog.models.putCard(card, '# card\n');
  });

  it('finds the card of the model the run trained, whatever scored', async () => {
    const promotion = { challengerId: card.modelId, outcome: 'baseline' as const, championId: 'baseline:repeat', decision: 'not promoted: …' };
    expect(await runModelCard(catalog, { promotion }, 'baseline:repeat')).toEqual(card);
  });

  it('else the card of the model that scored, a blend naming its model', async () => {
    expect(await runModelCard(catalog, {}, card.modelId)).toEqual(card);
    expect(await runModelCard(catalog, {}, `blend:${card.modelId}`)).toEqual(card);
  });

  it('finds none for a baseline or a model without a card', async () => {
    expect(await runModelCard(catalog, {}, 'baseline:repeat')).toBeUndefined();
    expect(await runModelCard(catalog, {}, '20111109T000000000Z-00000000')).toBeUndefined();
  });
});
