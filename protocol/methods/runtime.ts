import { z } from "zod";
import { defineMethod } from "../method.js";
import { Name } from "../names.js";

export const RUNTIME_STATES = ["starting", "working", "idle", "waiting_input", "asking_approval", "exited", "lost"] as const;
export const RuntimeState = z.enum(RUNTIME_STATES);
/** Outcomes of runtime.send. */
export const SEND_STATUSES = ["delivered", "queued", "not_confirmed", "refused"] as const;
export const AgentKindSchema = z.enum(["shell", "claude", "codex", "aider", "gemini", "scripted", "custom"]);

export const Runtime = z.object({
  id: z.string(),
  name: z.string(),
  environment: z.string().nullable().describe("environment name, or null for a plain directory"),
  cwd: z.string(),
  agent: AgentKindSchema,
  command: z.array(z.string()),
  session_id: z.string().nullable().describe("the agent's logical session id, when known"),
  pid: z.number().int().nullable().describe("the agent process"),
  holder_pid: z.number().int().nullable().describe("the PTY holder process that outlives the daemon"),
  pty_backend: z.string().describe("`holder` (our node-pty holder) or `tmux`"),
  target: z.string().nullable().describe("where an unmanaged runtime lives, e.g. a tmux pane `session:window.pane`"),
  management: z.enum(["managed", "unmanaged"]),
  state: RuntimeState,
  why: z.string().describe("the rule that decided the state"),
  exit_code: z.number().int().nullable(),
  exit_signal: z.number().int().nullable(),
  cols: z.number().int(),
  rows: z.number().int(),
  bytes_out: z.number().int().describe("bytes the program has written to its terminal"),
  heartbeat_at: z.string().nullable(),
  last_output_at: z.string().nullable(),
  last_human_input_at: z.string().nullable().describe("last keystroke from an attached human (collision control)"),
  created_at: z.string(),
  updated_at: z.string(),
  exited_at: z.string().nullable(),
  var_names: z.array(z.string()).optional().describe("names of the variables given with `vars` at start (their values are never stored or shown)"),
  generation: z.number().int().optional().describe("1 for a fresh start; one more each time `runtime.resume` continued the session under this name"),
  agent_id: z.string().nullable().optional().describe("who it is in threads (its bridge token's agent_id), when started with one other than its name"),
});
export type Runtime = z.infer<typeof Runtime>;

export const CustomDetector = z
  .object({
    label: z.string().max(100).optional(),
    rules: z
      .array(
        z
          .object({
            state: z.enum(["working", "idle", "waiting_input", "asking_approval"]),
            pattern: z.string().min(1).max(1000).describe("a JavaScript regex source, compiled with the m flag"),
            on: z.enum(["cursor_line", "tail"]).optional(),
            name: z.string().max(200).optional(),
          })
          .strict(),
      )
      .max(50),
    tailLines: z.number().int().min(1).max(200).optional(),
    prompt: z.string().min(1).max(1000).optional().describe("regex for the program's prompt: the text after it on the cursor's rows is its input line"),
    queued: z.string().min(1).max(1000).optional().describe("regex for the program's note that a message sent while it works was queued"),
    answers: z
      .object({ yes: z.string().min(1).max(100), no: z.string().min(1).max(100) })
      .strict()
      .optional()
      .describe('keys that answer its yes/no questions (default "y\\r" / "n\\r")'),
  })
  .strict();
export type CustomDetector = z.infer<typeof CustomDetector>;

const NameParam = z.object({ name: Name.describe("runtime name") });
const Dim = (max: number) => z.number().int().min(2).max(max);

export const runtimeStart = defineMethod({
  name: "runtime.start",
  summary: "Start a program in a new PTY held outside the daemon; returns the runtime record.",
  mutating: true,
  params: z.object({
    name: Name,
    command: z.array(z.string().min(1)).default([]).describe("argv to run; empty: the agent adapter's own start command (not for `custom`)"),
    cwd: z.string().optional().describe("working directory (default: the daemon's home directory)"),
    env: z.string().optional().describe("environment name (needs the env domain)"),
    agent: AgentKindSchema.default("custom"),
    session_id: z.string().max(200).optional(),
    agent_id: Name.optional().describe(
      "who the agent is in threads: the agent_id its bridge token carries, and the participant a wake of it is for (default: the runtime's name)",
    ),
    vars: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name: letters, digits and _, not starting with a digit"), z.string())
      .optional()
      .describe(
        "extra environment variables for the program (API keys go here, never in `command`); values are never stored, shown or logged, and are redacted from its output, see `redact`",
      ),
    redact: z
      .boolean()
      .default(true)
      .describe(
        "mask every secret's value and the `vars` values as ******** in the recording, logs, screens and attach (false: shown as printed; recorded in the runtime.started event)",
      ),
    detector: CustomDetector.optional().describe("state rules for agent `custom` (first match wins; output activity otherwise)"),
    cols: Dim(1000).default(120),
    rows: Dim(500).default(40),
    backend: z.enum(["holder", "tmux"]).default("holder").describe("`holder`: our own PTY holder process; `tmux`: a named session on swarm's own tmux socket"),
  }),
  result: Runtime,
});

export const runtimeObserve = defineMethod({
  name: "runtime.observe",
  summary:
    "Register an existing tmux pane as an unmanaged runtime: its screen and state are readable, but swarm never writes to it (send, input, stop and kill are refused).",
  mutating: true,
  params: z.object({
    name: Name,
    target: z.string().min(1).max(500).describe("a tmux target: pane id `%3`, `session:window.pane`, or a session name"),
    socket_path: z.string().min(1).max(4096).optional().describe("the tmux server's socket path (tmux -S); default: the user's default server"),
    socket_name: z.string().min(1).max(200).optional().describe("the tmux server's socket name (tmux -L)"),
    agent: AgentKindSchema.default("custom"),
    detector: CustomDetector.optional().describe("state rules for agent `custom`"),
  }),
  result: Runtime,
});

export const runtimeList = defineMethod({
  name: "runtime.list",
  summary: "Every runtime in the registry, live and finished.",
  mutating: false,
  params: z.object({}).default({}),
  result: z.object({ runtimes: z.array(Runtime) }),
});

/** What a runtime supports (its backend's optional capabilities); anything else is refused. */
export const RuntimeFeatures = z
  .object({
    screen: z.boolean().describe("runtime.screen"),
    send: z.boolean().describe("runtime.send"),
    input: z.boolean().describe("runtime.input"),
    attach: z.boolean().describe("runtime.attach / runtime.detach"),
    resize: z.boolean().describe("runtime.resize"),
    signal: z.boolean().describe("runtime.stop / runtime.kill"),
  })
  .describe("what this runtime supports: screen, send, input, attach, resize, signal (stop/kill); the rest is refused");
export type RuntimeFeatures = z.infer<typeof RuntimeFeatures>;
export type RuntimeFeature = keyof RuntimeFeatures;

export const runtimeShow = defineMethod({
  name: "runtime.show",
  summary: "One runtime's record plus where its recordings are.",
  mutating: false,
  params: NameParam,
  result: Runtime.extend({ recordings: z.array(z.string()).describe("asciicast files, oldest first"), features: RuntimeFeatures }),
});

export const runtimeStop = defineMethod({
  name: "runtime.stop",
  summary: "SIGTERM, then SIGKILL after `timeout_ms`; returns once the runtime has exited.",
  mutating: true,
  params: NameParam.extend({ timeout_ms: z.number().int().min(0).max(600000).default(5000) }),
  result: Runtime,
});

export const runtimeKill = defineMethod({
  name: "runtime.kill",
  summary: "Send a signal (default SIGKILL) and wait for the exit.",
  mutating: true,
  params: NameParam.extend({ signal: z.enum(["SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"]).default("SIGKILL") }),
  result: Runtime,
});

export const runtimeRemove = defineMethod({
  name: "runtime.remove",
  summary: "Forget an exited or lost runtime (its record and recordings).",
  mutating: true,
  params: NameParam,
  result: z.object({ removed: z.literal(true) }),
});

export const runtimeSend = defineMethod({
  name: "runtime.send",
  summary:
    "Deliver text as the agent's input: bracketed paste when the program enabled it, then Enter as its own write after a delay, then confirm by reading the screen.",
  mutating: true,
  params: NameParam.extend({
    text: z
      .string()
      .min(1)
      .max(1024 * 1024),
    enter: z.boolean().default(true).describe("press Enter after the text"),
    enter_delay_ms: z.number().int().min(0).max(10000).optional().describe("default: config runtime.enter_delay_ms"),
    confirm_timeout_ms: z.number().int().min(0).max(120000).optional().describe("default: config runtime.confirm_timeout_ms"),
    ready_timeout_ms: z
      .number()
      .int()
      .min(0)
      .max(600000)
      .optional()
      .describe("how long to wait for a `starting` agent; default: config runtime.ready_timeout_ms"),
    force: z
      .boolean()
      .default(false)
      .describe("deliver over a draft in the agent's input line or a person's recent typing (audited); never over an approval prompt"),
  }),
  result: z.object({
    status: z.enum(SEND_STATUSES).describe("delivered; queued (the agent was busy and queued it); not_confirmed; refused (nothing written, see reason)"),
    reason: z.string().optional().describe("for refused: why nothing was written, e.g. starting"),
    paste: z.boolean().describe("sent as a bracketed paste"),
    why: z.string(),
    ms: z.number(),
    forced: z
      .object({ draft: z.string().optional(), human_ms: z.number().optional() })
      .optional()
      .describe("what --force went over: the draft, how long ago a person typed"),
  }),
});

export const runtimeAnswer = defineMethod({
  name: "runtime.answer",
  summary:
    "Answer the question an agent is asking (asking_approval, or waiting_input for text) on purpose: a menu's option is selected and confirmed, a yes/no prompt gets its keys; audited.",
  mutating: true,
  params: NameParam.extend({
    answer: z.string().min(1).max(10000).describe("yes, no, an option number of the menu on screen, or text for a prompt"),
  }),
  result: z.object({
    question: z.string().describe("the question that was answered, as on screen"),
    choice: z.string().describe('what was chosen, e.g. "3. No" or "yes"'),
    keys: z.string().describe("the keys written, escaped (e.g. \\u001b[B\\r)"),
    state: RuntimeState.describe("the state once the agent reacted (or the deadline passed)"),
  }),
});

export const ScreenResult = z.object({
  name: z.string(),
  state: RuntimeState,
  why: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  cursor: z.object({ x: z.number().int(), y: z.number().int() }),
  alt_screen: z.boolean(),
  bracketed_paste: z.boolean(),
  title: z.string(),
  lines: z.array(z.string()).describe("visible rows, top to bottom, trailing spaces trimmed"),
  scrollback: z.array(z.string()).optional(),
  ansi: z.string().optional().describe("the visible screen with colours and styles (SGR)"),
});

export const runtimeScreen = defineMethod({
  name: "runtime.screen",
  summary: "The current screen of a runtime: rows, cursor, modes, optionally scrollback and styled ANSI.",
  mutating: false,
  params: NameParam.extend({
    ansi: z.boolean().default(false),
    scrollback: z.number().int().min(0).max(100000).default(0).describe("how many lines of scrollback to include"),
  }),
  result: ScreenResult,
});

export const runtimeAttach = defineMethod({
  name: "runtime.attach",
  summary:
    "Subscribe this connection to a runtime's output: returns a serialized snapshot to replay, then `runtime.output` notifications follow (`runtime.exit` at the end).",
  mutating: false,
  params: NameParam,
  result: z.object({ snapshot: z.string(), cols: z.number().int(), rows: z.number().int(), state: RuntimeState }),
});

export const runtimeDetach = defineMethod({
  name: "runtime.detach",
  summary: "Stop streaming a runtime's output to this connection.",
  mutating: false,
  params: NameParam,
  result: z.object({ detached: z.boolean() }),
});

export const runtimeInput = defineMethod({
  name: "runtime.input",
  summary: "Write raw bytes (keystrokes) to the PTY; `human: true` records human activity for collision control.",
  mutating: true,
  params: NameParam.extend({ data: z.string().max(1024 * 1024), human: z.boolean().default(false) }),
  result: z.object({ written: z.number().int() }),
});

export const runtimeResize = defineMethod({
  name: "runtime.resize",
  summary: "Resize the PTY and the daemon's terminal model (`swarmctl runtime resize NAME COLSxROWS`).",
  mutating: true,
  params: NameParam.extend({ cols: Dim(1000), rows: Dim(500) }),
  result: z.object({ cols: z.number().int(), rows: z.number().int() }),
});

export const runtimeResume = defineMethod({
  name: "runtime.resume",
  summary:
    "Continue an ended runtime's agent session by its recorded session id, as a new generation under the same name: interactive (`claude --resume ID`, `codex resume ID`), or headless when asked or when the adapter prefers it for a prompt (`codex exec resume ID PROMPT`).",
  mutating: true,
  params: NameParam.extend({
    prompt: z.string().min(1).max(100000).optional().describe("a first message for the resumed session"),
    headless: z.boolean().optional().describe("true: run the prompt non-interactively and exit; default: codex with a prompt, else interactive"),
    vars: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .optional()
      .describe("variables for the new generation; default: those given at start, while this daemon still holds them"),
  }),
  result: Runtime.extend({ resumed_from: z.string().describe("the id of the runtime generation it continues"), headless: z.boolean() }),
});

export const runtimeRegister = defineMethod({
  name: "runtime.register",
  summary:
    "Record a runtime swarm does not hold (management `unmanaged`, e.g. an existing tmux pane); it must heartbeat or it is marked lost after `runtime.stale_after_ms`.",
  mutating: true,
  params: z.object({
    name: Name,
    pty_backend: z.string().min(1).max(50).describe("e.g. tmux"),
    target: z.string().min(1).max(500),
    agent: AgentKindSchema.default("custom"),
    session_id: z.string().max(200).optional(),
    pid: z.number().int().positive().optional(),
    cwd: z.string().max(4096).optional(),
    command: z.array(z.string()).default([]),
    state: z.enum(["working", "idle", "waiting_input", "asking_approval"]).default("idle"),
    why: z.string().max(500).default("registered"),
  }),
  result: Runtime,
});

export const runtimeHeartbeat = defineMethod({
  name: "runtime.heartbeat",
  summary: "An unmanaged runtime is still there; optionally report its state (with why), pid or session id.",
  mutating: true,
  params: NameParam.extend({
    state: z.enum(["working", "idle", "waiting_input", "asking_approval", "exited"]).optional(),
    why: z.string().max(500).optional(),
    pid: z.number().int().positive().optional(),
    session_id: z.string().max(200).optional(),
    exit_code: z.number().int().optional(),
  }),
  result: Runtime,
});

export const runtimeDeregister = defineMethod({
  name: "runtime.deregister",
  summary: "Remove an unmanaged runtime's record.",
  mutating: true,
  params: NameParam,
  result: z.object({ removed: z.literal(true) }),
});

export { RUNTIME_NOTIFICATIONS } from "../notifications.js";
