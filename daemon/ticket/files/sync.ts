import fs from "node:fs";
import { SwarmError } from "../../../protocol/errors.js";
import type { Ticket } from "../../../protocol/methods/ticket.js";
import type { TicketStore } from "../store.js";
import { TERMINAL_STATES } from "../state-machine.js";
import { parseTicketFile, type FileProblem, type FileTicket } from "./parse.js";

export const FILE_DELETED = "ticket file deleted";
const ACTOR = "tickets-as-files";

export interface SyncReport {
  synced: number;
  problems: { file: string; message: string; line: number | null }[];
}

/**
 * Applies ticket files to the store (R-T6). Each file is applied in its own transaction,
 * so one bad file never blocks or rolls back another; a problem becomes a
 * `ticket.file_error` event and leaves the ticket and its history as they were.
 * Files whose dependencies are not defined yet wait and are retried with the next batch
 * (files created in a burst arrive in any order).
 */
export class FileSync {
  private readonly waiting = new Set<string>();

  constructor(private readonly store: TicketStore) {}

  syncPaths(files: Iterable<string>): SyncReport {
    const report: SyncReport = { synced: 0, problems: [] };
    const fail = (file: string, problems: FileProblem[]) => {
      for (const p of problems) report.problems.push({ file, ...p });
      this.store.emit("ticket.file_error", file, { file, problems });
    };
    const parsed = new Map<string, FileTicket>();
    for (const file of new Set([...files, ...this.waiting])) {
      this.waiting.delete(file);
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") this.safely(file, fail, () => this.deleted(file));
        else fail(file, [{ message: `cannot read: ${(err as Error).message}`, line: null }]);
        continue;
      }
      const p = parseTicketFile(text, file);
      if (p.ok) parsed.set(file, p.ticket);
      else fail(file, p.problems);
    }
    // Parents before children: apply files whose dependencies exist, until no progress.
    let progress = true;
    while (progress && parsed.size) {
      progress = false;
      for (const [file, ft] of parsed) {
        if (!ft.depends_on.every((d) => this.store.find(d) !== null)) continue;
        parsed.delete(file);
        progress = true;
        if (this.safely(file, fail, () => this.apply(file, ft))) report.synced++;
      }
    }
    for (const [file, ft] of parsed) {
      this.waiting.add(file);
      const missing = ft.depends_on.filter((d) => this.store.find(d) === null);
      fail(file, [{ message: `depends_on ${missing.join(", ")}: no ticket or ticket file has that id (the file is retried when one appears)`, line: null }]);
    }
    return report;
  }

  private safely(file: string, fail: (f: string, p: FileProblem[]) => void, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      const message = err instanceof SwarmError ? err.message : `internal error: ${String(err)}`;
      fail(file, [{ message, line: null }]);
      return false;
    }
  }

  private bySource(file: string): Ticket | null {
    const r = this.store.db.prepare("SELECT id FROM tickets WHERE source_file = ?").get(file) as { id: string } | undefined;
    return r ? this.store.get(r.id) : null;
  }

  private apply(file: string, ft: FileTicket): void {
    const s = this.store;
    s.tx(() => {
      const previous = this.bySource(file);
      if (previous && previous.id !== ft.id) {
        // The file now names another id: the old ticket is no longer defined by any file.
        s.update(previous.id, { source_file: null }, { actor: ACTOR });
        if (!TERMINAL_STATES.includes(previous.state)) s.transition(previous.id, "cancelled", { reason: `${file} now defines ${ft.id}`, actor: ACTOR });
      }
      const existing = s.find(ft.id);
      if (!existing) {
        s.create({ ...ft, source_file: file }, ACTOR);
        s.emit("ticket.file_synced", file, { file, id: ft.id, action: "created" });
        return;
      }
      if (existing.source_file && existing.source_file !== file && fs.existsSync(existing.source_file)) {
        throw new SwarmError("CONFLICT", `id ${ft.id} is already defined by ${existing.source_file}`, { hint: "give one of the files another id" });
      }
      const before = existing.version;
      s.update(
        ft.id,
        {
          title: ft.title,
          body: ft.body,
          priority: ft.priority,
          labels: ft.labels,
          requires_approval: ft.requires_approval,
          agent_kind: ft.agent_kind ?? null,
          timeout_ms: ft.timeout_ms ?? null,
          max_attempts: ft.max_attempts ?? null,
          source_file: file,
        },
        { actor: ACTOR },
      );
      const add = ft.depends_on.filter((d) => !existing.depends_on.includes(d));
      const remove = existing.depends_on.filter((d) => !ft.depends_on.includes(d));
      if (existing.state === "cancelled" && existing.state_reason?.startsWith(FILE_DELETED)) {
        s.transition(ft.id, "backlog", { reason: "ticket file restored", actor: ACTOR });
      }
      if (add.length || remove.length) s.changeDeps(ft.id, add, remove, ACTOR);
      s.promote([ft.id]);
      if (s.get(ft.id).version !== before) s.emit("ticket.file_synced", file, { file, id: ft.id, action: "updated" });
    });
  }

  /** A deleted file cancels its ticket; the row and its history stay. */
  private deleted(file: string): void {
    this.waiting.delete(file);
    const t = this.bySource(file);
    if (!t || TERMINAL_STATES.includes(t.state)) return;
    this.store.tx(() => {
      this.store.transition(t.id, "cancelled", { reason: `${FILE_DELETED}: ${file}`, actor: ACTOR });
      this.store.emit("ticket.file_synced", file, { file, id: t.id, action: "cancelled" });
    });
  }

  /** Files under `dir` that tickets came from but that are gone (deleted while not watching). */
  vanished(dir: string): string[] {
    const prefix = dir.endsWith("/") ? dir : dir + "/";
    const rows = this.store.db
      .prepare("SELECT source_file FROM tickets WHERE source_file IS NOT NULL AND substr(source_file, 1, ?) = ?")
      .all(prefix.length, prefix) as { source_file: string }[];
    return rows.map((r) => r.source_file).filter((f) => !fs.existsSync(f));
  }
}
