import { runConfirmed, submitPrompt } from "./submit.js";
import type { Binding } from "./types.js";

const close = { type: "ui/modal", modal: null } as const;

export const MODAL_BINDINGS: Binding[] = [
  {
    context: "modal",
    keys: ["enter"],
    description: "prompt: submit",
    run: (c) => {
      const m = c.state.ui.modal;
      if (m?.kind === "prompt" && submitPrompt(c, m.purpose, m.value)) c.dispatch(close);
      return true;
    },
  },
  { context: "modal", keys: ["escape"], description: "cancel the prompt or question", run: (c) => (c.dispatch(close), true) },
  {
    context: "modal",
    keys: ["y"],
    description: "question: yes, do it",
    run: (c) => {
      const m = c.state.ui.modal;
      if (m?.kind !== "confirm") return false;
      c.dispatch(close);
      runConfirmed(c, m.action);
      return true;
    },
  },
  {
    context: "modal",
    keys: ["n"],
    description: "question: no",
    run: (c) => (c.state.ui.modal?.kind === "confirm" ? (c.dispatch(close), true) : false),
  },
  {
    context: "modal",
    keys: ["backspace"],
    description: "prompt: delete the last character",
    run: (c) => {
      const m = c.state.ui.modal;
      if (m?.kind === "prompt") c.dispatch({ type: "ui/modal-input", value: [...m.value].slice(0, -1).join("") });
      return true;
    },
  },
  {
    context: "modal",
    keys: ["ctrl-u"],
    description: "prompt: clear the line",
    run: (c) => (c.dispatch({ type: "ui/modal-input", value: "" }), true),
  },
  {
    context: "modal",
    keys: ["<text>"],
    description: "prompt: type text",
    run: (c) => {
      const m = c.state.ui.modal;
      if (m?.kind === "prompt" && c.isText) c.dispatch({ type: "ui/modal-input", value: m.value + c.text });
      return true;
    },
  },
];
