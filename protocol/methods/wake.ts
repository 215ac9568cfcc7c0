import { z } from "zod";
import { defineMethod } from "../method.js";
import { Name } from "../names.js";

export const WAKE_OUTCOMES = ["acked", "resumed", "spawned", "refused_unmanaged", "deferred_max", "paused", "deduped", "failed"] as const;
export const WakeOutcome = z.enum(WAKE_OUTCOMES);
export type WakeOutcome = z.infer<typeof WakeOutcome>;

export const WakeStep = z.object({
  name: z.string().describe("inject, ack_wait, ack, defer, retry, resume, resume_skipped, spawn, refused, deferred_max, paused, deduped, failed…"),
  reason: z.string().describe("the reason code: why this step was taken or how it ended"),
  at: z.string().describe("ISO-8601 time"),
  detail: z.string().optional().describe("what was seen (the send's why, the runtime started…)"),
});
export type WakeStep = z.infer<typeof WakeStep>;

export const Wake = z.object({
  id: z.string().describe("w-N"),
  participant: z.string().describe("the thread participant to wake"),
  target: z.string().nullable().describe("the runtime woken (the participant's runtime), null when it has none"),
  thread: z.string().describe("thread id"),
  reason: z.string().describe("why the wake was made: message_posted, trigger, force, resume_sweep…"),
  origin: z.enum(["auto", "trigger", "force"]),
  requested_by: z.string(),
  phase: z.enum(["waiting", "ack_wait", "done"]).describe("waiting: for an idle, quiet runtime; ack_wait: injected, waiting for the ack; done: has an outcome"),
  attempts: z.number().int().describe("injections made"),
  resumes: z.number().int().describe("resumes tried"),
  outcome: WakeOutcome.nullable().describe("null while pending"),
  trigger_text: z.string().nullable().describe("the last text injected"),
  steps: z.array(WakeStep),
  created_at: z.string(),
  updated_at: z.string(),
  ended_at: z.string().nullable(),
});
export type Wake = z.infer<typeof Wake>;

const WakeId = z
  .string()
  .regex(/^w-\d+$/, "a wake id like w-12")
  .describe("wake id");

export const wakeList = defineMethod({
  name: "wake.list",
  summary: "Wakes, newest first: each with target runtime, thread, outcome (null while pending) and its steps.",
  mutating: false,
  params: z
    .object({
      target: z.string().optional().describe("only wakes of this runtime"),
      thread: z.string().optional().describe("only wakes about this thread"),
      pending: z.boolean().optional().describe("true: only pending wakes; false: only finished ones"),
      limit: z.number().int().min(1).max(10000).default(200),
    })
    .default({ limit: 200 }),
  result: z.object({ wakes: z.array(Wake), paused: z.array(z.string()).describe("runtimes whose wakes are paused") }),
});

export const wakeShow = defineMethod({
  name: "wake.show",
  summary: "One wake with all its steps.",
  mutating: false,
  params: z.object({ id: WakeId }),
  result: Wake,
});

export const wakePause = defineMethod({
  name: "wake.pause",
  summary: "Pause wakes into a runtime: its pending wakes end `paused`, new ones are recorded `paused` and nothing is injected until wake.resume.",
  mutating: true,
  params: z.object({ runtime: Name.describe("runtime name"), reason: z.string().trim().min(1).max(2000).optional() }),
  result: z.object({ runtime: z.string(), paused: z.literal(true), ended: z.array(z.string()).describe("pending wakes that ended `paused`") }),
});

export const wakeResume = defineMethod({
  name: "wake.resume",
  summary: "Resume wakes into a runtime; every thread where its participant has unread messages gets a wake again.",
  mutating: true,
  params: z.object({ runtime: Name.describe("runtime name"), reason: z.string().trim().min(1).max(2000).optional() }),
  result: z.object({ runtime: z.string(), paused: z.literal(false), woken: z.array(z.string()).describe("wakes made for unread threads") }),
});

export const wakeForce = defineMethod({
  name: "wake.force",
  summary:
    "Inject a trigger into a runtime now, over a human draft and the quiet window: the only way to do that. Needs a reason (audited). Still refused for an unmanaged runtime.",
  mutating: true,
  params: z.object({
    runtime: Name.describe("runtime name"),
    reason: z.string().trim().min(1).max(2000).describe("why (audited)"),
    thread: z.string().optional().describe("the thread to point at; default: the newest thread where the participant has unread messages"),
  }),
  result: Wake,
});
