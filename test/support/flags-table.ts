// Prints the README's flag table from the single flag list (src/config/flags.ts): `tsx test/support/flags-table.ts`.
import { FLAGS, toEnvName } from "../../src/config/flags.ts";

for (const flag of FLAGS) {
  const def = flag.default === undefined ? "—" : `\`${flag.default}\``;
  process.stdout.write(`| \`--${flag.name}\` | \`${toEnvName(flag.name)}\` | ${def} | ${flag.help.replace(/\|/g, "\\|")} |\n`);
}
