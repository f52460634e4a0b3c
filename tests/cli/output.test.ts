/** What commands print on stdout: text for people, or one JSON summary; and a one-line error with its cause. */
import { describeError } from '../../cli/berserkr';
import { gcResult } from '../../cli/commands/gc';
import { pipelineResult } from '../../cli/commands/run';
import { tickResult } from '../../cli/commands/schedule';
import { evaluationResult } from '../../cli/evaluation-result';
import { printResult } from '../../cli/output';
import type { SystemMetrics } from '../../evaluation/evaluate';

const row = (system: string, ndcg: number, extra: Partial<SystemMetrics> = {}): SystemMetrics => ({ system, k: 10, customers: 3, recall: 0.1, precision: 0.2, ndcg, hitRate: 0.5, map: 0.3, ...extra });

function captured(): { out: { write(s: string): void }; text: () => string } {
  const chunks: string[] = [];
  return { out: { write: (s: string) => void chunks.push(s) }, text: () => chunks.join('') };
}

describe('printResult', () => {
  it('prints the text in text mode, and one JSON line of the summary in json mode', () => {
    const text = captured();
    printResult('text', { command: 'report' }, 'file:///lake/runs/x.html\n', text.out);
    expect(text.text()).toBe('file:///lake/runs/x.html\n');
    const json = captured();
    printResult('json', { command: 'report', report: 'file:///lake/runs/x.html' }, 'ignored\n', json.out);
    expect(json.text().split('\n')).toEqual([JSON.stringify({ command: 'report', report: 'file:///lake/runs/x.html' }), '']);
  });
});

describe('evaluationResult', () => {
  const rows = [row('20111109T000000000Z-3fa2c01b', 0.4, { ece: 0.01, logLoss: 0.1 }), row('popularity', 0.14), row('repeat', 0.32)];

  it('names the data set and the horizon used, and the metrics by stable names with the model id apart', () => {
    const { summary, text } = evaluationResult(rows, { dataset: 'loyalty-club', modelId: '20111109T000000000Z-3fa2c01b', asOf: Date.UTC(2011, 10, 9), horizonDays: 14 });
    expect(text.split('\n')[0]).toBe('loyalty-club 14-day horizon, as-of 2011-11-09T00:00:00.000Z, 3 evaluated customers');
    expect(summary).toMatchObject({ dataset: 'loyalty-club', modelId: '20111109T000000000Z-3fa2c01b', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 14, k: 10, customers: 3 });
    expect(summary.metrics).toMatchObject({ 'model.ndcg@10': 0.4, 'model.ece': 0.01, 'model.logLoss': 0.1, 'baseline.popularity.ndcg@10': 0.14, 'baseline.repeat.ndcg@10': 0.32 });
    expect(Object.keys(summary.metrics as object).filter((k) => k.includes('3fa2c01b'))).toEqual([]);
  });
});

describe('pipelineResult', () => {
  it('says what the promotion decision did and why, before the evaluation, in the text and the summary', () => {
    const decision = 'not promoted: challenger NDCG@10 0.2418 is not significantly above best baseline repeat 0.2822: …; no champion exists, so scoring uses baseline repeat (…)';
    const result = { failedObjects: [], asOf: Date.UTC(2011, 10, 9), modelId: 'baseline:repeat', decision, outcome: 'baseline' as const, exportUri: 'file:///lake/e.csv', reportUri: 'file:///lake/r.html', evaluation: [row('baseline:repeat', 0.32), row('popularity', 0.14), row('repeat', 0.32)] };
    const { summary, text } = pipelineResult('online-retail', 30, result);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`decision ${decision}`);
    expect(lines[1]).toBe('online-retail 30-day horizon, as-of 2011-11-09T00:00:00.000Z, 3 evaluated customers');
    expect(lines.slice(-3)).toEqual(['export file:///lake/e.csv', 'report file:///lake/r.html', '']);
    expect(summary).toMatchObject({ modelId: 'baseline:repeat', outcome: 'baseline', decision });
  });
});

describe('tickResult', () => {
  const reason = 'nothing changed: no new raw objects, champion promoted at 2011-11-09T00:00:00.000Z is 5 s old (max 168.0 h)';

  it('says in one line that a tick did not retrain and why, the summary\'s reason', () => {
    const { summary, text } = tickResult('online-retail', 30, { reason, failedObjects: [], otherConfiguration: [] });
    expect(text).toBe(`not retrained: ${reason}\n`);
    expect(summary).toEqual({ dataset: 'online-retail', retrained: false, reason, failedObjects: [], otherConfiguration: [] });
  });

  it('names the raw objects that failed to ingest, and those of another configuration, on lines of their own', () => {
    const { text } = tickResult('online-retail', 30, { reason, failedObjects: ['2011-03.csv.lzo', '2011-04.csv.lzo'], otherConfiguration: ['2010-12.csv.lzo'] });
    expect(text.split('\n')).toEqual([`not retrained: ${reason}`, 'failed to ingest: 2011-03.csv.lzo, 2011-04.csv.lzo', 'of another csv/columns configuration: 2010-12.csv.lzo', '']);
  });

  it('says that a tick retrained and why, before what the pipeline reports', () => {
    const pipeline = { failedObjects: [], asOf: Date.UTC(2011, 10, 9), modelId: 'baseline:repeat', decision: 'promoted: no champion yet', outcome: 'baseline' as const, exportUri: 'file:///lake/e.csv', reportUri: 'file:///lake/r.html' };
    const { summary, text } = tickResult('online-retail', 30, { reason: '1 new raw object ingested', failedObjects: [], otherConfiguration: ['2010-12.csv.lzo'], pipeline });
    expect(text.split('\n')).toEqual(['retrained: 1 new raw object ingested', 'decision promoted: no champion yet', 'export file:///lake/e.csv', 'report file:///lake/r.html', 'of another csv/columns configuration: 2010-12.csv.lzo', '']);
    // The summary names the objects of another configuration, which make the tick exit 3, whether it retrained or not.
    expect(summary).toMatchObject({ retrained: true, reason: '1 new raw object ingested', dataset: 'online-retail', modelId: 'baseline:repeat', failedObjects: [], otherConfiguration: ['2010-12.csv.lzo'] });
  });
});

describe('gcResult', () => {
  const cleaned = {
    abandonedRuns: ['20111110T000000Z-bbbbbb'],
    tempFiles: ['exports/online-retail/.~tmp.1.a'],
    uncommittedRuns: [],
    unusedModels: ['20111110T000500000Z-3fa2c01b', '20111111T000500000Z-3fa2c01b'],
    unreadableRecords: ['file:///lake/runs/online-retail/20111108T000000Z-cccccc.json'],
  };

  it('reports the run whose export the latest copies were re-synced to, and the unused models removed', () => {
    const r = gcResult({ ...cleaned, latestResynced: '20111109T000000Z-aaaaaa' });
    expect(r.summary).toEqual({ ...cleaned, latestResynced: '20111109T000000Z-aaaaaa' });
    expect(r.text).toBe(
      'runs finished as killed or unknown: 1\ntemp files removed: 1\nuncommitted scoring runs removed: 0\nunused models removed: 2\nunreadable run records skipped: 1\nlatest export re-copied from run: 20111109T000000Z-aaaaaa\n',
    );
  });

  it('says null, and none in the text, when the copies matched', () => {
    const r = gcResult(cleaned);
    expect(r.summary.latestResynced).toBeNull();
    expect(r.text).toMatch(/\nlatest export re-copied from run: none\n$/);
  });
});

describe('describeError', () => {
  it('is the message, with the cause\'s message in parentheses when there is one', () => {
    expect(describeError(new Error('no such folder'))).toBe('no such folder');
    expect(describeError(new Error('cannot list s3://lake/', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9000') }))).toBe('cannot list s3://lake/ (cause: connect ECONNREFUSED 127.0.0.1:9000)');
    expect(describeError('plain')).toBe('plain');
  });
});
