// `logs N`: node N's whole log file, full screen, read from DIR/node-N/events.ndjson (the rotated
// part first) and polled for new lines. Keys are in log-viewer-model.ts.
import React, { useEffect, useReducer, useRef } from 'react';
import { Box, Text, useInput } from 'ink';
import { LogTail, parseLogLine } from '../event-log.js';
import { clipEnd, clipMiddle, fitCells } from './fit.js';
import { appendLines, initialViewer, viewerFrame, viewerKey, withHeight, type ViewerKey, type ViewerState } from './log-viewer-model.js';

export interface LogViewerProps {
  readonly node: number;
  /** The node's data dir (DIR/node-N). */
  readonly dir: string;
  readonly file: string;
  readonly width: number;
  readonly rows: number;
  readonly onClose: () => void;
  readonly pollMs?: number;
}

/** Header, status and key lines, plus the spare last row Ink must not write. */
const FIXED_ROWS = 4;
const KEYS = 'PgUp/PgDn ↑/↓ Home/End · / search, n/N next · f follow · q or Esc back';

type Action = { type: 'key'; key: ViewerKey } | { type: 'lines'; lines: readonly string[] } | { type: 'height'; height: number } | { type: 'error'; text: string };

export function LogViewer({ node, dir, file, width, rows, onClose, pollMs = 250 }: LogViewerProps): React.JSX.Element {
  const height = Math.max(1, rows - FIXED_ROWS);
  const [state, dispatch] = useReducer((s: ViewerState, a: Action): ViewerState => {
    switch (a.type) {
      case 'lines':
        return appendLines(s, a.lines);
      case 'height':
        return withHeight(s, a.height);
      case 'error':
        return { ...s, message: a.text };
      case 'key': {
        const next = viewerKey(s, a.key);
        return next === 'close' ? s : next;
      }
    }
  }, height, initialViewer);

  const latest = useRef(state);
  latest.current = state;
  useEffect(() => dispatch({ type: 'height', height }), [height]);

  useEffect(() => {
    const tail = new LogTail(dir);
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    const poll = async () => {
      try {
        const raw = await tail.poll();
        const lines: string[] = [];
        for (const l of raw) {
          const r = parseLogLine(l);
          if (r !== null) lines.push(r.text);
        }
        if (!stopped && lines.length > 0) dispatch({ type: 'lines', lines });
      } catch (err) {
        if (!stopped) dispatch({ type: 'error', text: `cannot read ${file}: ${(err as Error).message}` });
      }
      if (!stopped) timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      void tail.close();
    };
  }, [dir, file, pollMs]);

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      onClose();
      return;
    }
    // A burst (tmux send-keys, a paste) arrives as one chunk: "/leader" is a key and six letters.
    const plain = !key.ctrl && !key.meta && input.length > 1 && !input.includes('\u001b');
    const keys: ViewerKey[] = plain ? [...input].map((ch) => (ch === '\r' || ch === '\n' ? { input: '', return: true } : { input: ch })) : [{ input, ...key }];
    // Keys can come faster than renders: decide on closing from the state they lead to.
    let cur = latest.current;
    for (const k of keys) {
      const next = viewerKey(cur, k);
      if (next === 'close') {
        onClose();
        return;
      }
      cur = next;
      dispatch({ type: 'key', key: k });
    }
    latest.current = cur;
  });

  const { shown, status } = viewerFrame(state);
  const blank = Math.max(0, height - shown.length);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold inverse>
        {fitCells(clipMiddle(`n${node} log · ${file}`, width), width)}
      </Text>
      {shown.map((l) => (
        <Text key={l.index} wrap="truncate" inverse={l.index === state.match} color={/^\S+ {2}(warn|error):/.test(l.text) ? 'yellow' : undefined}>
          {clipEnd(l.text, width)}
        </Text>
      ))}
      {Array.from({ length: blank }, (_, i) => (
        <Text key={`b${i}`} color="gray">
          {i === 0 && shown.length === 0 ? 'nothing in the log yet' : ' '}
        </Text>
      ))}
      <Text color="cyan" wrap="truncate">
        {clipEnd(status, width)}
      </Text>
      <Text color="gray" wrap="truncate">
        {clipEnd(KEYS, width)}
      </Text>
    </Box>
  );
}
