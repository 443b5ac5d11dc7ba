// A one-shot command's own options (--cluster, -w, --json, --help) apart from the command's
// words, which reach the REPL's parser as they were typed: no quoting to undo.
import { describe, expect, it } from 'vitest';
import { splitOneshotArgs } from '../../src/cli/oneshot-command.js';
import { parseWords } from '../../src/cli/parse-command.js';

describe('one-shot arguments', () => {
  it('takes our options anywhere, in every spelling, and leaves the rest as words', () => {
    expect(splitOneshotArgs(['set', 'k', 'v', '--cluster', 'c.json', '-w', 'json'])).toEqual({ words: ['set', 'k', 'v'], clusterFile: 'c.json', json: true, help: false });
    expect(splitOneshotArgs(['--cluster=c.json', '--write-out=json', 'get', 'k'])).toMatchObject({ words: ['get', 'k'], clusterFile: 'c.json', json: true });
    expect(splitOneshotArgs(['-w=table', '--json', 'k'])).toMatchObject({ json: true });
    expect(splitOneshotArgs(['k', '-h'])).toMatchObject({ help: true });
  });

  it('after -- every argument is a word, so a value may look like an option', () => {
    expect(splitOneshotArgs(['k', '--', '-w', '--json'])).toMatchObject({ words: ['k', '-w', '--json'], json: false });
    const parsed = parseWords(['set', ...splitOneshotArgs(['k', '--', '--json']).words], 3);
    expect(parsed).toEqual({ ok: true, cmd: { kind: 'set', key: 'k', value: '--json' } });
  });

  it('keeps quotes and spaces of a value as typed', () => {
    expect(parseWords(['set', 'k', `"x" 'y'`], 3)).toEqual({ ok: true, cmd: { kind: 'set', key: 'k', value: `"x" 'y'` } });
    expect(parseWords(['set', 'k', `a'b"c # d`], 3)).toEqual({ ok: true, cmd: { kind: 'set', key: 'k', value: `a'b"c # d` } });
  });

  it('refuses an option without its value, and says so in JSON when JSON was asked for before it', () => {
    expect(splitOneshotArgs(['k', '--cluster', '-w', 'json']).error).toMatch(/^--cluster needs a file/);
    expect(splitOneshotArgs(['k', '--cluster'])).toMatchObject({ error: expect.stringMatching(/^--cluster needs a file/) });
    expect(splitOneshotArgs(['-w', 'json', 'k', '-w', 'yaml'])).toMatchObject({ json: true, error: '-w takes table or json, not "yaml"' });
    expect(splitOneshotArgs(['-w'])).toMatchObject({ error: '-w takes table or json, not nothing' });
  });
});
