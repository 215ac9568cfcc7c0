import { AgentKindSchema } from "../../protocol/methods/runtime.js";
import { userName } from "../../protocol/os.js";
import type { Confirmable, PromptPurpose } from "../state/types.js";
import type { KeyCtx, RpcFailure } from "./types.js";

// the protocol's own list (one source): a kind it does not know is refused, not run as bash
const AGENT_KINDS = new Set<string>(AgentKindSchema.options);
const THREAD_STATUSES = new Set(["open", "waiting", "disputed", "blocked", "resolved", "closed"]);

/** Reads `TITLE words #label after:ID ws:NAME` into ticket.submit params. */
export function parseTicketLine(line: string): { title: string; labels: string[]; depends_on: string[]; workspace?: string } {
  const labels: string[] = [];
  const deps: string[] = [];
  let workspace: string | undefined;
  const words: string[] = [];
  for (const w of line.trim().split(/\s+/)) {
    if (w.startsWith("#") && w.length > 1) labels.push(w.slice(1));
    else if (w.startsWith("after:") && w.length > 6) deps.push(w.slice(6));
    else if (w.startsWith("ws:") && w.length > 3) workspace = w.slice(3);
    else if (w) words.push(w);
  }
  return { title: words.join(" "), labels, depends_on: deps, ...(workspace ? { workspace } : {}) };
}

/** Reads `NAME [KIND] [-- COMMAND…]` into runtime.start params. */
export function parseStartLine(line: string): { name: string; agent: string; command: string[] } | { error: string } | null {
  const [head, ...rest] = line.split(" -- ");
  const words = (head ?? "").trim().split(/\s+/).filter(Boolean);
  const name = words[0];
  if (!name) return null;
  if (words[1] && !AGENT_KINDS.has(words[1])) return { error: `unknown agent kind ${words[1]}: one of ${[...AGENT_KINDS].join(", ")}` };
  if (words.length > 2) return { error: `after NAME KIND comes " -- COMMAND…", not ${words.slice(2).join(" ")}` };
  const agent = words[1] ?? "custom";
  const command = rest.join(" -- ").trim().split(/\s+/).filter(Boolean);
  return { name, agent, command: command.length ? command : agent === "custom" ? ["bash"] : [] };
}

function error(c: KeyCtx, text: string): boolean {
  c.dispatch({ type: "ui/flash", flash: { text, tone: "error" }, at: Date.now() });
  return false;
}

/**
 * What Enter does in a prompt. Returns false (and flashes why) when the text is not
 * acceptable, so the prompt stays open with what was typed.
 */
export function submitPrompt(c: KeyCtx, p: PromptPurpose, value: string): boolean {
  const text = value.trim();
  switch (p.kind) {
    case "filter":
      c.dispatch({ type: "ui/filter", view: p.view, text });
      return true;
    case "send":
      if (!text) return error(c, "nothing to send");
      c.fx.rpc("runtime.send", { name: p.runtime, text: value }, `sent to ${p.runtime}`, (err) => offerForce(c, p.runtime, value, err));
      return true;
    case "start": {
      const s = parseStartLine(text);
      if (!s) return error(c, "give a name: NAME [KIND] [-- COMMAND…]");
      if ("error" in s) return error(c, s.error);
      c.fx.rpc("runtime.start", { name: s.name, agent: s.agent as "custom", command: s.command }, `started ${s.name}`);
      return true;
    }
    case "submit-ticket": {
      const t = parseTicketLine(text);
      if (!t.title) return error(c, "a ticket needs a title");
      c.fx.rpc("ticket.submit", t, `submitted "${t.title}"`);
      return true;
    }
    case "cancel-ticket":
      c.fx.rpc("ticket.cancel", { id: p.id, ...(text ? { reason: text } : {}) }, `cancelled ${p.id}`);
      return true;
    case "decide": {
      if (!text && p.decision !== "approve") return error(c, `${p.decision} needs a reason`);
      const params = { id: p.id, actor: userName(), ...(text ? { reason: text } : {}) };
      const method = p.decision === "approve" ? "approval.approve" : p.decision === "reject" ? "approval.reject" : "approval.clarify";
      c.fx.rpc(method, params, `${p.decision === "clarify" ? "asked for clarification on" : p.decision + "d"} ${p.id}`);
      return true;
    }
    case "post":
      if (!text) return error(c, "nothing to post");
      c.fx.rpc("thread.post", { id: p.thread, body: value }, `posted in ${p.thread}`);
      return true;
    case "unblock":
      if (!text) return error(c, "unblock needs a reason");
      c.fx.rpc("thread.unblock", { id: p.thread, reason: text }, `unblocked ${p.thread}`);
      return true;
    case "override": {
      const [to, ...why] = text.split(/\s+/);
      if (!to || !THREAD_STATUSES.has(to) || why.length === 0) return error(c, `give STATUS REASON (status: ${[...THREAD_STATUSES].join(", ")})`);
      c.fx.rpc("thread.override", { id: p.thread, to: to as "open", reason: why.join(" ") }, `${p.thread} set to ${to}`);
      return true;
    }
  }
}

/** Refusals that `force` may override (the daemon's send guard): a draft in the input line, a person typing. */
const FORCEABLE = new Set(["draft", "human_typing"]);

/**
 * A send refused for the agent's draft or a person's recent typing: ask whether to send
 * anyway (y sends with force). Other refusals (an approval prompt: force never answers one) are flashed.
 */
function offerForce(c: KeyCtx, runtime: string, text: string, err: RpcFailure): boolean {
  if (err.kind !== "CONFLICT" || !FORCEABLE.has(String(err.details?.reason))) return false;
  const why = err.message.replace(/^runtime \S+: /, "").replace(/; nothing was sent$/, "");
  c.dispatch({
    type: "ui/modal",
    modal: { kind: "confirm", text: `not sent to ${runtime}: ${why}. Send anyway?`, action: { kind: "send-force", runtime, text } },
  });
  return true;
}

export function runConfirmed(c: KeyCtx, a: Confirmable): void {
  if (a.kind === "send-force") c.fx.rpc("runtime.send", { name: a.runtime, text: a.text, force: true }, `sent to ${a.runtime} (over the draft or typing)`);
  else if (a.kind === "stop") c.fx.rpc("runtime.stop", { name: a.runtime }, `stopped ${a.runtime}`);
  else if (a.kind === "kill") c.fx.rpc("runtime.kill", { name: a.runtime }, `killed ${a.runtime}`);
  else c.fx.rpc("ticket.retry", { id: a.id }, `${a.id} is queued again`);
}
