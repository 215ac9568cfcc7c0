import React from "react";
import { Box, Text } from "ink";
import { fit } from "../components/badges.js";
import { envList } from "../state/select.js";
import type { TuiState } from "../state/types.js";

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Environments: provider, state, reserved resources, network mode; the selected one's disk use and checkpoints. */
export function EnvsView({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const list = envList(state);
  const r = state.data.resources;
  const cursor = Math.min(state.ui.cursor.envs, list.length - 1);
  const sel = list[cursor];
  const cps = sel && state.data.checkpoints?.env === sel.name ? state.data.checkpoints.list : [];
  const disk = sel && state.data.disk?.env === sel.name && state.data.disk.bytes !== null ? ` · disk ${mib(state.data.disk.bytes)}` : "";
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text wrap="truncate-end" dimColor>
        {r
          ? `host ${r.host_cpus} CPU ${r.host_memory_mib} MiB · reserved ${r.used_cpus} CPU ${r.used_memory_mib} MiB · overcommit cpu ${r.cpu_ratio} mem ${r.memory_ratio}`
          : "resources: -"}
      </Text>
      <Text bold wrap="truncate-end">
        {"NAME".padEnd(16)} {"PROVIDER".padEnd(10)} {"STATE".padEnd(9)} {"CPU".padEnd(5)} {"MEM MiB".padEnd(8)} {"NET".padEnd(6)} BRANCH
      </Text>
      {list.length === 0 ? <Text dimColor>No environments.</Text> : null}
      {list.slice(0, Math.max(1, height - 4 - Math.min(cps.length, 5))).map((e, i) => (
        <Text key={e.name} wrap="truncate-end" inverse={i === cursor}>
          {fit(e.name, 16).padEnd(16)} {e.provider.padEnd(10)}{" "}
          <Text color={e.state === "running" ? "green" : e.state === "stopped" ? "gray" : "red"}>{e.state.padEnd(9)}</Text> {String(e.cpus).padEnd(5)}{" "}
          {String(e.memory_mib).padEnd(8)} {e.capabilities.net.padEnd(6)} {e.branch}
          {e.state_reason ? ` (${e.state_reason})` : ""}
        </Text>
      ))}
      {sel ? (
        <Text dimColor wrap="truncate-end">
          {sel.name}
          {disk} · checkpoints: {cps.length ? cps.map((c) => `${c.name} (${c.created_at.slice(0, 19)})`).join(", ") : "none"}{" "}
          {fit(sel.host_path ?? "", width / 3)}
        </Text>
      ) : null}
    </Box>
  );
}
