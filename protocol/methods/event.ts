import { z } from "zod";
import { defineMethod } from "../method.js";
import { EventRecord } from "../events.js";

export const eventSubscribe = defineMethod({
  name: "event.subscribe",
  summary:
    "Start streaming events as `event.notify` notifications. With `since`, every event with a larger id is replayed first, then live ones follow with no gap and no duplicate.",
  mutating: false,
  params: z
    .object({
      since: z.number().int().min(0).optional().describe("last event id the client saw; 0 replays everything"),
      types: z.array(z.string()).optional().describe("only these types; a trailing `*` matches a prefix"),
    })
    .default({}),
  result: z.object({ subscription: z.number().int(), last_id: z.number().int() }),
});

export const eventUnsubscribe = defineMethod({
  name: "event.unsubscribe",
  summary: "Stop a subscription made on this connection.",
  mutating: false,
  params: z.object({ subscription: z.number().int() }),
  result: z.object({ ok: z.literal(true) }),
});

export const eventList = defineMethod({
  name: "event.list",
  summary: "Read recorded events after `since`, oldest first, at most `limit`.",
  mutating: false,
  params: z
    .object({
      since: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(10000).default(1000),
      types: z.array(z.string()).optional(),
    })
    .default({ since: 0, limit: 1000 }),
  result: z.object({ events: z.array(EventRecord), last_id: z.number().int() }),
});

export const eventPublish = defineMethod({
  name: "event.publish",
  summary: "Record a client event (type must start with `user.`). Returns once it is durable; used by scripts to annotate the log.",
  mutating: true,
  params: z.object({
    type: z.string().regex(/^user\.[A-Za-z0-9_.-]{1,100}$/, "type must look like user.NAME"),
    subject: z.string().max(200).optional(),
    data: z.record(z.string(), z.unknown()).default({}),
  }),
  result: z.object({ id: z.number().int() }),
});
