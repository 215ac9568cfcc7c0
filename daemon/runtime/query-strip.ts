/**
 * Takes terminal queries out of the output stream viewers get. The daemon's terminal model
 * answers every query the program sends (terminal-replies.ts), with or without viewers; if
 * the queries also reached each viewer's terminal, every viewer would answer as well and
 * the program would read one reply per viewer plus ours. So viewers never see a query:
 * exactly one answer, always the same one, whoever is attached (docs/runtimes.md).
 *
 * Queries: DSR/CPR (`CSI … n`), DA1/2/3 (`CSI c`, `CSI > c`, `CSI = c`), the kitty keyboard
 * query (`CSI ? u`), XTVERSION (`CSI > q`), DECRQM (`CSI … $ p`), window reports
 * (`CSI 11|13|14|15|16|18|19|20|21 t`), colour queries (OSC 4/5/10–19 `…;?`), OSC 52 clipboard
 * reads, XTGETTCAP and DECRQSS (`DCS + q`, `DCS $ q`). Nothing else is touched.
 */
const QUERY = new RegExp(
  [
    "\\x1b\\[\\??[\\d;]*n",
    "\\x1b\\[[>=]?0?c",
    "\\x1b\\[\\?u",
    "\\x1b\\[>0?q",
    "\\x1b\\[\\??\\d+\\$p",
    "\\x1b\\[(?:11|13|14|15|16|18|19|20|21)(?:;\\d*)*t",
    "\\x1b\\](?:1\\d|4;\\d+(?:;\\?;\\d+)*|5;\\d+|52;[a-z0-9]*);\\?(?:\\x07|\\x1b\\\\)",
    "\\x1bP[+$]q[^\\x1b]*\\x1b\\\\",
  ].join("|"),
  "y",
);

/** A chunk that ends inside what could still become a query: held back until the next chunk. */
const QUERY_PREFIX = /^\x1b(?:\[[?>=]?[\d;]*\$?|\][\d;a-z]*\??\x1b?|P(?:[+$](?:q[^\x1b]{0,512}\x1b?)?)?)?$/;

export class QueryStripper {
  private carry = "";

  /** `text` without the queries in it; an unfinished sequence at its end waits for the next chunk. */
  strip(chunk: string): string {
    const text = this.carry + chunk;
    this.carry = "";
    if (!text.includes("\x1b")) return text;
    let out = "";
    let from = 0;
    for (let i = text.indexOf("\x1b"); i >= 0; i = text.indexOf("\x1b", i + 1)) {
      if (i < from) continue;
      QUERY.lastIndex = i;
      const m = QUERY.exec(text);
      if (m) {
        out += text.slice(from, i);
        from = i + m[0].length;
        i = from - 1;
        continue;
      }
      if (text.length - i <= 600 && QUERY_PREFIX.test(text.slice(i))) {
        this.carry = text.slice(i);
        return out + text.slice(from, i);
      }
    }
    return out + text.slice(from);
  }

  /** Whatever was held back (at the end of the stream). */
  flush(): string {
    const c = this.carry;
    this.carry = "";
    return c;
  }
}
