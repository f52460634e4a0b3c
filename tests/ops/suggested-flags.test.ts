/**
 * The flags that .env.example, the Makefile and the README suggest for the make
 * variables passed on as flags (`TRAIN_FLAGS`, `SCHEDULE`) are options of every
 * command those variables reach, so a copied suggestion never stops with
 * "unknown option".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../cli/berserkr';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** The berserkr commands of the Makefile's recipes (silent, `@`, or not) that pass `$(name)` on. */
function commandsOf(name: string): string[] {
  const recipe = new RegExp(`^\\t@?\\$\\(BERSERKR\\) (\\w+) .*\\$\\(${name}\\)`, 'gm');
  return [...read('Makefile').matchAll(recipe)].map((m) => m[1]);
}

/** `[variable, value]` of each suggestion: every `KEY=value` line of .env.example (commented or not) whose value holds a flag, and `TRAIN_FLAGS=…`/`SCHEDULE=…` in the Makefile and README. */
function suggestions(): [string, string][] {
  const env = [...read('.env.example').matchAll(/^#?\s*([A-Z_]+)=(.*--.*)$/gm)].map((m): [string, string] => [m[1], m[2]]);
  const docs = ['Makefile', 'README.md'].flatMap((file) => [...read(file).matchAll(/\b(TRAIN_FLAGS|SCHEDULE)=('[^']*'|"[^"]*"|[^\s`'"]+)/g)].map((m): [string, string] => [m[1], m[2]]));
  return [...env, ...docs];
}

describe('flags suggested for make variables', () => {
  const program = buildProgram();
  const global = program.options.map((o) => o.long);

  it('finds the suggestions of .env.example, the Makefile and the README', () => {
    const names = new Set(suggestions().map(([name]) => name));
    expect([...names].sort()).toEqual(['SCHEDULE', 'TRAIN_FLAGS']);
  });

  it.each(suggestions())('%s=%s holds only options of the commands it reaches', (name, value) => {
    const commands = commandsOf(name);
    expect([name, commands.length]).not.toEqual([name, 0]);
    const flags = value.match(/--[a-z][a-z0-9-]*/g) ?? [];
    expect(flags.length).toBeGreaterThan(0);
    for (const command of commands) {
      const known = [...global, ...program.commands.find((c) => c.name() === command)!.options.map((o) => o.long)];
      expect([command, flags.filter((f) => !known.includes(f))]).toEqual([command, []]);
    }
  });
});
