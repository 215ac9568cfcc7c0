import fs from "node:fs";
import path from "node:path";
import { canonicalJson } from "../../../protocol/bundle/format.js";
import type { Ticket } from "../../../protocol/methods/ticket.js";
import type { DaemonKey } from "../../keys/ed25519.js";
import { buildBundle, collectResultFiles, type ResultFile } from "./build.js";

/** What the bundle of a finished ticket is made from; all of it is read back from the database. */
export interface FinishedTicket {
  ticket: Ticket;
  agent: string | null;
  environment: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  checks: string[];
  /** A directory of result files (the daemon's own runs), if any. */
  resultDir: string | null;
}

/**
 * Result bundles on disk, one per finished ticket, under <data>/bundles. Everything going
 * into a bundle comes from the database, so a bundle lost in a crash between the commit
 * and the file write is rebuilt identically on restart.
 */
export class BundleStore {
  readonly dir: string;
  constructor(
    dataDir: string,
    private readonly key: () => DaemonKey,
  ) {
    this.dir = path.join(dataDir, "bundles");
  }

  pathOf(ticketId: string): string {
    return path.join(this.dir, `${ticketId}.tar`);
  }

  has(ticketId: string): boolean {
    return fs.existsSync(this.pathOf(ticketId));
  }

  write(f: FinishedTicket): string {
    const files: ResultFile[] = [];
    if (f.resultDir && fs.existsSync(f.resultDir)) files.push(...collectResultFiles(f.resultDir).map((r) => ({ ...r, path: `output/${r.path}` })));
    files.push({ path: "result.json", data: Buffer.from(canonicalJson(f.ticket.result ?? null) + "\n") });
    const t = f.ticket;
    const bytes = buildBundle(
      {
        ticketId: t.id,
        inputs: { id: t.id, workspace: t.workspace, title: t.title, body: t.body, labels: t.labels, depends_on: t.depends_on, inputs: t.inputs },
        files,
        agent: f.agent,
        environment: f.environment,
        startedAt: f.startedAt === null ? null : new Date(f.startedAt).toISOString(),
        finishedAt: f.finishedAt === null ? null : new Date(f.finishedAt).toISOString(),
        checksPassed: f.checks,
      },
      this.key(),
    );
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const target = this.pathOf(t.id);
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, target);
    return target;
  }
}
