/** Pure layout arithmetic shared by the agents view and its keys, so a key moves where the eye expects. */

/** Smallest pane worth drawing as a screen (cols x rows, borders included). */
export const MIN_PANE = { cols: 30, rows: 8 };

export interface Grid {
  columns: number;
  rows: number;
  paneCols: number;
  paneRows: number;
}

/** Bigger panes (in terminal-shaped units, about 3 cells wide per row) first, then fewer empty slots, then the shape closest to 3:1. */
function score(g: Grid, count: number): number {
  return Math.min(g.paneCols / 3, g.paneRows) * 1000 - (g.columns * g.rows - count) * 500 - Math.abs(g.paneCols / g.paneRows - 3);
}

/**
 * The grid for `count` panes in an area of `cols` x `rows`: the column count that gives the
 * largest panes, or null when even the smallest panes would not fit (then: list layout).
 */
export function gridFor(count: number, cols: number, rows: number): Grid | null {
  if (count === 0) return { columns: 1, rows: 1, paneCols: cols, paneRows: rows };
  let best: Grid | null = null;
  for (let c = 1; c <= count; c++) {
    const r = Math.ceil(count / c);
    const paneCols = Math.floor(cols / c);
    const paneRows = Math.floor(rows / r);
    if (paneCols < MIN_PANE.cols || paneRows < MIN_PANE.rows) continue;
    const g = { columns: c, rows: r, paneCols, paneRows };
    if (!best || score(g, count) > score(best, count)) best = g;
  }
  return best;
}

/** Rows of the frame around views: header (1), tab bar (1), needs-you bar (1), status line (1), and one spare so the frame stays below the terminal height. */
export const CHROME_ROWS = 5;

/** The view's first row on the terminal: below the header and the tab bar. */
export const VIEW_TOP = 2;

export function bodyRows(termRows: number): number {
  return Math.max(3, termRows - CHROME_ROWS);
}
