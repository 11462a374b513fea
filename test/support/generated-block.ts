// Generated blocks in Markdown files (docs/STYLE.md §4 "Generated blocks"): the text between
// `<!-- BEGIN generated:NAME -->` and `<!-- END generated:NAME -->`, which only a script writes.
// CLI: `tsx test/support/generated-block.ts NAME FILE < body` replaces that block's body with stdin.
import { readFileSync, writeFileSync } from "node:fs";

const markers = (name: string) => [`<!-- BEGIN generated:${name} -->\n`, `<!-- END generated:${name} -->`] as const;

/** The body of block `name` in `text` (without the marker lines); throws when the block is missing. */
export const readBlock = (text: string, name: string): string => {
  const [begin, end] = markers(name);
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  if (from === -1 || to === -1) throw new Error(`no block generated:${name} (markers ${begin.trim()} … ${end})`);
  return text.slice(from + begin.length, to);
};

/** `text` with the body of block `name` replaced by `body` (which ends with a newline). */
export const replaceBlock = (text: string, name: string, body: string): string => {
  const [begin] = markers(name);
  const old = readBlock(text, name);
  const at = text.indexOf(begin) + begin.length;
  return text.slice(0, at) + (body.endsWith("\n") ? body : `${body}\n`) + text.slice(at + old.length);
};

/** Rewrites block `name` of `file` with `body`. */
export const writeBlock = (file: string, name: string, body: string): void => {
  writeFileSync(file, replaceBlock(readFileSync(file, "utf8"), name, body));
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const [name, file] = process.argv.slice(2);
  if (name === undefined || file === undefined) {
    process.stderr.write("usage: tsx test/support/generated-block.ts NAME FILE < body\n");
    process.exit(2);
  }
  writeBlock(file, name, readFileSync(0, "utf8"));
}
