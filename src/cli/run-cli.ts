// The bin's dispatcher: `login`, `logout`, `status`, `demo`, or (anything else) the proxy itself.
import { helpText } from "../config/parse-config.ts";
import { startProxy } from "../start.ts";
import { VERSION } from "../version.ts";
import { COMMANDS, commandHelp, commandsHelp, parseCommandArgs } from "./args.ts";
import { demoCommand } from "./demo-command.ts";
import type { CliHost } from "./host.ts";
import { loginCommand } from "./login-command.ts";
import { logoutCommand } from "./logout-command.ts";
import { statusCommand } from "./status-command.ts";

export type { CliHost, CliIo, DemoBackend } from "./host.ts";

const RUN = { login: loginCommand, logout: logoutCommand, status: statusCommand } as const;

export const runCli = async (host: CliHost): Promise<unknown> => {
  const [first, ...rest] = host.argv;
  if (first === "--help" || first === "-h") {
    host.stdout(`${helpText(VERSION)}\n\n${commandsHelp()}`);
    return host.exit(0);
  }
  if (first === "demo") return demoCommand(host, rest);
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) return startProxy(host);
  const parsed = parseCommandArgs(command, rest, host.env, host.home);
  if (parsed.kind === "help") {
    host.stdout(commandHelp(command));
    return host.exit(0);
  }
  if (parsed.kind === "error") {
    host.stderr(`godex-proxy ${parsed.message}`);
    return host.exit(2);
  }
  return RUN[command.name](host, parsed.values);
};
