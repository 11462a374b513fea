// The README's flag table, generated from the one flag definition (src/config/flags.ts). Prints it; with
// `--write` (`npm run docs:flags`) rewrites the README's `generated:flags` block. test/config.test.ts compares.
import { FLAGS } from "../../src/config/flags.ts";
import { writeBlock } from "./generated-block.ts";

/** The whole table, header included, one row per flag in definition order. */
export const flagsTable = (): string => {
  const rows = FLAGS.map((flag) => {
    const def = flag.default === undefined ? "—" : `\`${flag.default}\``;
    return `| \`--${flag.name}\` | \`${flag.env}\` | ${def} | ${flag.help.replace(/\|/g, "\\|")} |`;
  });
  return ["| Flag | Environment | Default | What it does |", "|---|---|---|---|", ...rows, ""].join("\n");
};

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--write")) writeBlock("README.md", "flags", flagsTable());
  else process.stdout.write(flagsTable());
}
