import React from "react";
import { Box, Text } from "ink";
import { ago, fit } from "../components/badges.js";
import { diffTone, parseDiff } from "../render/diff.js";
import { approvalQueue } from "../state/select.js";
import type { ApprovalDetail, TuiState } from "../state/types.js";

interface Props {
  state: TuiState;
  width: number;
  height: number;
  now: number;
}

const TONE_COLOR = { add: "green", del: "red", hunk: "cyan", meta: "yellow", plain: undefined } as const;

function DiffViewer({ a, state, width, height }: { a: ApprovalDetail; state: TuiState; width: number; height: number }) {
  const d = parseDiff(a.diff);
  const fileRows = Math.min(d.files.length, Math.max(1, Math.floor(height / 4)));
  const body = Math.max(1, height - fileRows - 4);
  const lines = d.lines.slice(state.ui.scroll, state.ui.scroll + body);
  const current = [...d.files].reverse().find((f) => f.start <= state.ui.scroll);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" overflowY="hidden">
      <Text wrap="truncate-end" bold>
        {a.id} diff · {d.files.length} file(s){a.diff_truncated ? " · TRUNCATED" : ""} · line {state.ui.scroll + 1}/{d.lines.length}
      </Text>
      {d.files.slice(0, fileRows).map((f) => (
        <Text key={f.path} wrap="truncate-end" inverse={f === current}>
          {f.status === "added" ? "A" : f.status === "deleted" ? "D" : f.status === "renamed" ? "R" : "M"} {f.path} <Text color="green">+{f.adds}</Text>{" "}
          <Text color="red">-{f.dels}</Text>
          {a.untracked.includes(f.path) ? " (untracked)" : ""}
        </Text>
      ))}
      {d.lines.length === 0 ? <Text dimColor>(no diff attached)</Text> : null}
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end" color={TONE_COLOR[diffTone(l)]}>
          {l || " "}
        </Text>
      ))}
    </Box>
  );
}

/** Approvals: pending first with their expiry; Enter opens the diff; A/X/C decide with a reason. */
export function ApprovalsView({ state, width, height, now }: Props) {
  const q = approvalQueue(state);
  const cursor = Math.min(state.ui.cursor.approvals, q.length - 1);
  const sel = q[cursor];
  const detail = state.ui.detail && state.data.approval && sel && state.data.approval.id === sel.id ? state.data.approval : null;
  const listRows = detail ? Math.min(q.length, Math.max(2, Math.floor(height / 4))) : height - 1;
  const start = Math.max(0, cursor - listRows + 1);
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      {q.length === 0 ? <Text dimColor>No approvals.</Text> : null}
      {q.slice(start, start + listRows).map((a, i) => (
        <Text key={a.id} wrap="truncate-end" inverse={start + i === cursor}>
          <Text color={a.state === "pending" ? "yellow" : a.state === "approved" ? "green" : "red"}>{a.state.padEnd(24)}</Text>
          {a.id.padEnd(7)} {(a.ticket_id ?? "-").padEnd(8)} {a.files_changed.length} file(s){" "}
          {a.state === "pending" ? `expires ${ago(a.expires_at, now)}` : `by ${a.decided_by ?? "-"}`} · {fit(a.summary, width - 70)}
        </Text>
      ))}
      {detail ? <DiffViewer a={detail} state={state} width={width} height={height - listRows} /> : null}
      {!detail && sel ? <Text dimColor>Enter: diff · A approve · X reject · C clarify</Text> : null}
    </Box>
  );
}
