import React from "react";
import { Box, Text } from "ink";
import type { TuiState } from "../state/types.js";

/** Coordinator: caps, leases by agent kind, circuit breakers, host admission, leased tickets. */
export function CoordinatorView({ state, height }: { state: TuiState; width: number; height: number }) {
  const c = state.data.coordinator;
  if (!c) return <Text dimColor>No coordinator status yet.</Text>;
  const leased = state.data.tickets.filter((t) => t.lease_owner && (t.state === "claimed" || t.state === "running"));
  const kinds = Object.keys({ ...c.per_kind, ...c.by_kind });
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text>
        leased {c.leased}/{c.max_concurrent} · host {c.host.ok ? <Text color="green">ok</Text> : <Text color="red">busy: {c.host.reason}</Text>}
        {c.agent_kinds.length ? ` · agents ${c.agent_kinds.join(", ")} (default ${c.default_agent_kind})` : " · no agent kind configured"}
        {c.command ? ` · runs ${c.command.join(" ")}` : ""}
      </Text>
      <Text bold>caps by agent kind</Text>
      {kinds.length === 0 ? <Text dimColor> (none)</Text> : null}
      {kinds.map((k) => (
        <Text key={k}>
          {"  "}
          {k.padEnd(12)} {c.by_kind[k] ?? 0}/{c.per_kind[k] ?? "-"}
        </Text>
      ))}
      <Text bold>breakers</Text>
      {c.breakers.length === 0 ? <Text dimColor> (all closed)</Text> : null}
      {c.breakers.map((b) => (
        <Text key={b.agent_kind}>
          {"  "}
          {b.agent_kind.padEnd(12)} <Text color={b.state === "closed" ? "green" : "red"}>{b.state}</Text> failures {b.consecutive_failures}
          {b.open_until ? ` until ${new Date(b.open_until).toISOString().slice(11, 19)}` : ""}
        </Text>
      ))}
      <Text bold>leased tickets ({leased.length})</Text>
      {leased.map((t) => (
        <Text key={t.id} wrap="truncate-end">
          {"  "}
          {t.id.padEnd(8)} {t.state.padEnd(8)} {t.lease_owner}{" "}
          {t.lease_expires_at ? `lease until ${new Date(t.lease_expires_at).toISOString().slice(11, 19)}` : ""} {t.title}
        </Text>
      ))}
      {c.running_locally.length ? <Text dimColor>running locally: {c.running_locally.join(", ")}</Text> : null}
    </Box>
  );
}
