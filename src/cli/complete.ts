// Tab completion for the REPL: command names first, then node ids where a command takes one.
import { COMMANDS, findCommand } from './commands.js';
import { idList, type NodeIds } from './node-ids.js';

export interface Completion {
  /** The input line after completion (unchanged when nothing fits or several do). */
  readonly line: string;
  /** Everything that would fit at the cursor, for a hint when there is more than one. */
  readonly candidates: readonly string[];
}

function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let prefix = words[0] as string;
  for (const w of words) {
    while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

export function completeLine(line: string, nodeCount: NodeIds): Completion {
  const endsWithSpace = line === '' || /\s$/.test(line);
  const words = line.trim() === '' ? [] : line.trim().split(/\s+/);
  const current = endsWithSpace ? '' : (words.pop() ?? '');
  const head = line.slice(0, line.length - current.length);
  const ids = idList(nodeCount).map(String);

  let options: string[];
  if (words.length === 0) {
    options = COMMANDS.map((c) => c.name);
  } else {
    const spec = findCommand(words[0] as string);
    const argIndex = words.length - 1;
    if (spec === undefined) options = [];
    else if (spec.name === 'help') options = argIndex === 0 ? COMMANDS.map((c) => c.name) : [];
    else if (spec.nodeArgs.includes(argIndex)) options = ids;
    else if (spec.name === 'get' && (words[words.length - 1] === '--local' || words[words.length - 1] === '--from')) options = ids;
    else if (spec.name === 'get' && words[words.length - 1] === '--mode') options = ['index', 'lease', 'log'];
    else if (spec.name === 'get' && current.startsWith('-')) options = ['--from', '--local', '--mode', '--prefix'];
    else options = [];
  }
  const candidates = options.filter((o) => o.startsWith(current));
  if (candidates.length === 1) return { line: head + (candidates[0] as string) + ' ', candidates };
  const prefix = commonPrefix(candidates);
  return { line: prefix.length > current.length ? head + prefix : line, candidates };
}
