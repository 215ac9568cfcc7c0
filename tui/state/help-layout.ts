/** A help column narrower than this truncates most descriptions: fewer columns, then pages. */
export const HELP_MIN_COLUMN = 46;

export interface HelpLayout {
  columns: number;
  /** rows of keys per column */
  perColumn: number;
  /** more keys than fit: one footer row says how many, and j/k, PgUp/PgDn scroll */
  paged: boolean;
  /** the largest first-row offset that still fills the page */
  maxOffset: number;
}

/**
 * How `count` key rows fit a `width` x `height` box (double border and a title row): as many
 * columns as fit at HELP_MIN_COLUMN, and when they still do not hold every row, pages.
 * One function for the Help component and its scroll keys, so both agree on the page.
 */
export function helpLayout(count: number, width: number, height: number): HelpLayout {
  const fit = Math.max(1, height - 3);
  const maxColumns = Math.max(1, Math.floor((width - 2) / HELP_MIN_COLUMN));
  const columns = Math.min(maxColumns, Math.max(1, Math.ceil(count / fit)));
  if (columns * fit >= count) return { columns, perColumn: fit, paged: false, maxOffset: 0 };
  const perColumn = Math.max(1, fit - 1);
  return { columns, perColumn, paged: true, maxOffset: Math.max(0, count - columns * perColumn) };
}
