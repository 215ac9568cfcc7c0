import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderConfigDoc, renderProtocolDoc } from "./docs-render.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
fs.writeFileSync(path.join(root, "docs/protocol.md"), renderProtocolDoc());
fs.writeFileSync(path.join(root, "docs/config.md"), renderConfigDoc());
process.stdout.write("wrote docs/protocol.md and docs/config.md\n");
