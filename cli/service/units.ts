/** Service definitions for swarmd: a systemd user unit and a launchd agent plist. */

export interface ServiceSpec {
  node: string;
  swarmdScript: string;
  /** environment the daemon needs (SWARM_HOME when set, PATH so agents and tools resolve) */
  env: Record<string, string>;
  logDir: string;
}

export const SYSTEMD_UNIT_NAME = "swarmd.service";
export const LAUNCHD_LABEL = "dev.swarm.swarmd";

function systemdQuote(s: string): string {
  return /[\s"'\\]/.test(s) ? `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : s;
}

export function systemdUnit(spec: ServiceSpec): string {
  const env = Object.entries(spec.env)
    .map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`)}`)
    .join("\n");
  return `[Unit]
Description=swarm daemon: control plane for AI coding agents
After=default.target

[Service]
Type=simple
ExecStart=${systemdQuote(spec.node)} ${systemdQuote(spec.swarmdScript)} --foreground
Restart=on-failure
RestartSec=2
# Agents run in PTY holder processes that must outlive a daemon restart: stop only swarmd.
KillMode=process
TimeoutStopSec=30
${env}

[Install]
WantedBy=default.target
`;
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function launchdPlist(spec: ServiceSpec): string {
  const env = Object.entries(spec.env)
    .map(([k, v]) => `      <key>${xml(k)}</key>\n      <string>${xml(v)}</string>`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
  <dict>
    <key>Label</key>
    <string>${LAUNCHD_LABEL}</string>
    <key>ProgramArguments</key>
    <array>
      <string>${xml(spec.node)}</string>
      <string>${xml(spec.swarmdScript)}</string>
      <string>--foreground</string>
    </array>
    <key>RunAtLoad</key>
    <true/>
    <key>KeepAlive</key>
    <dict>
      <key>SuccessfulExit</key>
      <false/>
    </dict>
    <key>ThrottleInterval</key>
    <integer>2</integer>
    <key>AbandonProcessGroup</key>
    <true/>
    <key>EnvironmentVariables</key>
    <dict>
${env}
    </dict>
    <key>StandardOutPath</key>
    <string>${xml(spec.logDir)}/swarmd.stdout.log</string>
    <key>StandardErrorPath</key>
    <string>${xml(spec.logDir)}/swarmd.stderr.log</string>
  </dict>
</plist>
`;
}
