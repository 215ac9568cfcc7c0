import * as m from "../../protocol/methods/wake.js";
import { operatorLabel } from "../audit/domain.js";
import { handle, type HandlerEntry } from "../rpc/handler.js";
import type { WakeService } from "./service.js";

/** wake.list|show|pause|resume|force: operator calls (audited by the assembler's auditMutations, reason included). */
export function wakeHandlers(svc: WakeService): HandlerEntry[] {
  return [
    handle(m.wakeList, (p) => svc.list(p)),
    handle(m.wakeShow, (p) => svc.show(p.id)),
    handle(m.wakePause, (p, call) => svc.pause(p.runtime, p.reason ?? null, operatorLabel(call))),
    handle(m.wakeResume, (p, call) => svc.resume(p.runtime, p.reason ?? null, operatorLabel(call))),
    handle(m.wakeForce, (p, call) => svc.force(p.runtime, p.reason, p.thread, operatorLabel(call))),
  ];
}
