import { describe, expect, it } from "vitest";
import { initialState, MAX_EVENTS, reducer } from "../../tui/state/reducer.js";
import { actionFor, KEYMAP } from "../../tui/keys/keymap.js";

const ev = (id: number) => ({ id, ts: "2026-01-01T00:00:00.000Z", type: "user.x", schema_version: 1, subject: null, data: {} });

describe("TUI reducer", () => {
  it("keeps events in order, drops repeats from a resumed stream, and caps the buffer", () => {
    let s = initialState;
    for (let i = 1; i <= MAX_EVENTS + 20; i++) s = reducer(s, { type: "event", event: ev(i) });
    s = reducer(s, { type: "event", event: ev(5) });
    expect(s.events).toHaveLength(MAX_EVENTS);
    expect(s.events[0]!.id).toBe(21);
    expect(s.lastEventId).toBe(MAX_EVENTS + 20);
  });
  it("tracks connection state and help", () => {
    let s = reducer(initialState, { type: "connected", daemon: { pid: 1, version: "0.1.0", socket: "/s", uptime_s: 1 } });
    expect(s.connection).toBe("connected");
    s = reducer(s, { type: "disconnected", error: "gone" });
    expect(s).toMatchObject({ connection: "disconnected", error: "gone" });
    expect(reducer(s, { type: "toggleHelp" }).showHelp).toBe(true);
  });
  it("every key in the keymap maps to its action", () => {
    for (const k of KEYMAP) expect(actionFor(k.key)).toBe(k.action);
    expect(actionFor("z")).toBeNull();
  });
});
