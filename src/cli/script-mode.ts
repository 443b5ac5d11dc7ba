// No UI: one command per input line, one result line per command (plain or JSON).
import { parseCommand, stripComment } from './parse-command.js';
import type { Executor } from './execute-command.js';
import { jsonLine } from '../json/contract.js';
import type { NodeIds } from './node-ids.js';

/** The ids a command may name: fixed, or asked before each line (they change with add and remove). */
export type NodeIdSource = NodeIds | (() => NodeIds);

export interface ScriptIo {
  readonly lines: AsyncIterable<string>;
  write(text: string): void;
}

export interface ScriptResult {
  readonly ran: number;
  readonly failed: number;
}

export async function runScript(io: ScriptIo, executor: Executor, nodeCount: NodeIdSource, json: boolean): Promise<ScriptResult> {
  let ran = 0;
  let failed = 0;
  // Commands submitted while paused end later, when their messages are delivered.
  const off = executor.onBackground((line, out) => {
    io.write(json ? jsonLine(line, out.ok, out.fields, out.ok ? undefined : (out.error ?? out.text)) + '\n' : `${line}: ${out.ok ? out.text : `error: ${out.error ?? out.text}`}\n`);
  });
  try {
    return await runLines(io, executor, nodeCount, json, () => ran++, () => failed++).then(() => ({ ran, failed }));
  } finally {
    off();
  }
}

async function runLines(io: ScriptIo, executor: Executor, nodeCount: NodeIdSource, json: boolean, onRan: () => void, onFailed: () => void): Promise<void> {
  for await (const raw of io.lines) {
    // The JSON names the command as it ran: without its comment.
    const line = stripComment(raw.trim());
    const parsed = parseCommand(line, typeof nodeCount === 'function' ? nodeCount() : nodeCount);
    if (parsed.ok && parsed.cmd === null) continue;
    onRan();
    if (!parsed.ok) {
      onFailed();
      io.write(json ? jsonLine(line, false, {}, parsed.error) + '\n' : `error: ${parsed.error}\n`);
      continue;
    }
    const out = await executor.run(parsed.cmd);
    if (!out.ok) onFailed();
    if (json) {
      io.write(jsonLine(line, out.ok, out.fields, out.ok ? undefined : (out.error ?? out.text)) + '\n');
    } else if (out.effect !== 'clear') {
      io.write(out.text + '\n');
    }
    if (out.effect === 'quit') break;
  }
}
