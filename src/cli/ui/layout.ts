// Screen budget: how many panes per row, how many log lines, how many log-view rows, for a
// terminal of `columns` x `rows`. Pure, so 80x24 and wide terminals are tested without a TTY.

export interface Layout {
  readonly width: number;
  readonly panesPerRow: number;
  readonly paneWidth: number;
  readonly paneLogLines: number;
  readonly logViewRows: number;
  readonly resultLines: number;
}

export const MIN_PANE_WIDTH = 16;
/** Pane lines besides its log lines: two border lines, header, ballots, indexes. */
const PANE_FIXED_LINES = 5;

export function computeLayout(columns: number, rows: number, nodeCount: number): Layout {
  const width = Math.max(40, columns);
  const height = Math.max(16, rows);
  const maxPerRow = Math.max(1, Math.min(nodeCount, Math.floor(width / MIN_PANE_WIDTH)));
  const paneRows = Math.ceil(nodeCount / maxPerRow);
  // Balanced rows (5+4 rather than 8+1) read better.
  const panesPerRow = Math.ceil(nodeCount / paneRows);
  const paneWidth = Math.floor(width / panesPerRow);
  const resultLines = height >= 36 ? 6 : height >= 28 ? 4 : 3;
  // Fixed: result lines, hint line, REPL line, log-view title, and one spare line so Ink never
  // writes the terminal's last row (that would scroll and flicker).
  const fixed = resultLines + 4;
  const paneLogLines = paneRows === 1 ? Math.max(1, Math.min(8, Math.floor((height - 16) / 4) + 1)) : 1;
  const paneLines = paneRows * (PANE_FIXED_LINES + paneLogLines);
  const logViewRows = Math.max(2, height - fixed - paneLines);
  return { width, panesPerRow, paneWidth, paneLogLines, logViewRows, resultLines };
}
