import path from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { checkName } from "../../../protocol/names.js";
import { TicketFields } from "../../../protocol/methods/ticket.js";

/** The front matter a ticket file may carry; anything else is reported, not ignored. */
// YAML reads `id: 42` or `title: 2026` as numbers; people mean text.
const Text = z.union([z.string(), z.number().transform(String)]);

const FrontMatter = z
  .object({
    id: Text.optional(),
    title: Text,
    priority: z.number().int().optional(),
    depends_on: z.union([Text, z.array(Text)]).optional(),
    labels: z.union([Text, z.array(Text)]).optional(),
    approval: z.boolean().optional(),
    workspace: z.string().optional(),
    agent_kind: z.string().optional(),
    timeout_ms: z.number().int().optional(),
    max_attempts: z.number().int().optional(),
  })
  .strict();

export interface FileTicket {
  id: string;
  title: string;
  body: string;
  priority: number;
  depends_on: string[];
  labels: string[];
  requires_approval: boolean;
  workspace: string;
  agent_kind?: string | undefined;
  timeout_ms?: number | undefined;
  max_attempts?: number | undefined;
}

export interface FileProblem {
  message: string;
  line: number | null;
}

export type ParsedFile = { ok: true; ticket: FileTicket } | { ok: false; problems: FileProblem[] };

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Parses a ticket file: `---`, YAML front matter, `---`, then the Markdown body. Without
 * an `id`, the file name (minus .md) is the id, so renaming a file makes a new ticket.
 */
export function parseTicketFile(text: string, file: string): ParsedFile {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) {
    return {
      ok: false,
      problems: [{ message: "no front matter: the file must start with a line `---`, YAML keys (at least `title`), and a closing `---`", line: 1 }],
    };
  }
  const doc = parseDocument(m[1]!, { prettyErrors: false });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ message: `YAML: ${e.message.split("\n")[0]}`, line: e.linePos ? e.linePos[0].line + 1 : null })),
    };
  }
  const raw: unknown = doc.toJS();
  const fm = FrontMatter.safeParse(raw ?? {});
  if (!fm.success) {
    return {
      ok: false,
      problems: fm.error.issues.map((i) => ({
        message:
          i.code === "unrecognized_keys"
            ? `unknown front matter key(s) ${i.keys.join(", ")}; allowed: ${Object.keys(FrontMatter.shape).join(", ")}`
            : `${i.path.join(".") || "front matter"}: ${i.message}`,
        line: null,
      })),
    };
  }
  const f = fm.data;
  const id = f.id ?? path.basename(file).replace(/\.md$/i, "");
  const problems: FileProblem[] = [];
  const badId = checkName(id);
  if (badId) problems.push({ message: `id: ${badId}${f.id === undefined ? " (taken from the file name; set `id:` in the front matter)" : ""}`, line: null });
  const body = text
    .slice(m[0].length)
    .replace(/^\s*\n/, "")
    .trimEnd();
  const fields = TicketFields.safeParse({
    id,
    title: f.title,
    body,
    priority: f.priority,
    labels: asList(f.labels),
    depends_on: asList(f.depends_on),
    requires_approval: f.approval,
    workspace: f.workspace,
    agent_kind: f.agent_kind,
    timeout_ms: f.timeout_ms,
    max_attempts: f.max_attempts,
  });
  if (!fields.success) {
    for (const i of fields.error.issues) problems.push({ message: `${i.path.join(".")}: ${i.message}`, line: null });
  }
  if (problems.length || !fields.success) return { ok: false, problems };
  const d = fields.data;
  return {
    ok: true,
    ticket: {
      id,
      title: d.title,
      body: d.body,
      priority: d.priority,
      depends_on: d.depends_on,
      labels: d.labels,
      requires_approval: d.requires_approval,
      workspace: d.workspace,
      agent_kind: d.agent_kind,
      timeout_ms: d.timeout_ms,
      max_attempts: d.max_attempts,
    },
  };
}
