// Screen budget: how many panes per row, how many log lines, how many log-view rows, for a
// terminal of `columns` x `rows`. Pure, so 80x24 and wide terminals are tested without a TTY.

export interface Layout {
  readonly width: number;
  readonly panesPerRow: number;
  readonly paneWidth: number;
  readonly paneLogLines: number;
  readonly logViewRows: number;
  readonly resultLines: number;
  /** Set when the terminal cannot hold the screen: what to tell the user instead of drawing it. */
  readonly tooSmall: string | null;
}

export const MIN_PANE_WIDTH = 16;
/** Pane lines besides its log lines: two border lines, header, ballots, indexes. */
const PANE_FIXED_LINES = 5;

export const MIN_COLUMNS = 40;

/** Rows a screen for `nodeCount` nodes needs at `columns` wide (one pane log line, two grid rows). */
export function minimumRows(columns: number, nodeCount: number): number {
  const perRow = Math.max(1, Math.min(nodeCount, Math.floor(Math.max(MIN_COLUMNS, columns) / MIN_PANE_WIDTH)));
  const paneRows = Math.ceil(nodeCount / perRow);
  // panes + grid title and 2 rows + 3 result lines + hint + prompt + the spare last row
  return Math.max(16, paneRows * (PANE_FIXED_LINES + 1) + 3 + 3 + 3);
}

export function computeLayout(columns: number, rows: number, nodeCount: number): Layout {
  const need = minimumRows(columns, nodeCount);
  const tooSmall =
    columns < MIN_COLUMNS || rows < need
      ? `too small: ${nodeCount} node${nodeCount === 1 ? '' : 's'} need ${Math.max(MIN_COLUMNS, columns)}x${need}${nodeCount * MIN_PANE_WIDTH > columns ? ` or ${nodeCount * MIN_PANE_WIDTH}x${minimumRows(nodeCount * MIN_PANE_WIDTH, nodeCount)}` : ''} (this is ${columns}x${rows})`
      : null;
  const width = Math.max(MIN_COLUMNS, columns);
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
  return { width, panesPerRow, paneWidth, paneLogLines, logViewRows, resultLines, tooSmall };
}
