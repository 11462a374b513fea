// The repository explains itself (issue 15 item 7): every `§` a comment cites exists in the document it names
// (docs/backend.md unless the line names clients.md or STYLE.md; docs/STYLE.md §4 "Comments").
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");

/** Section numbers of a Markdown document: `## 5.`, `### 5.8`, and the lettered parts `**B. …**` of a section. */
const sections = (markdown: string): Set<string> => {
  const found = new Set<string>();
  let current = "";
  for (const line of markdown.split("\n")) {
    const heading = /^#{2,4} (\d+(?:\.\d+)*)[. ]/.exec(line);
    if (heading?.[1] !== undefined) {
      found.add(heading[1]);
      current = heading[1];
    }
    const part = /^\*\*([A-Z])\. /.exec(line);
    if (part?.[1] !== undefined) found.add(`${current}.${part[1]}`);
  }
  return found;
};

const DOCS = {
  backend: sections(read("docs/backend.md")),
  clients: sections(read("docs/clients.md")),
  style: sections(read("docs/STYLE.md")),
};

const SKIP = new Set(["node_modules", "fixtures", ".clients"]);
const sourceFiles = (dir: string): string[] =>
  readdirSync(new URL(dir, ROOT)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (SKIP.has(name) || name.startsWith(".")) return [];
    if (statSync(new URL(path, ROOT)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|sh)$/.test(name) ? [path] : [];
  });

/** Each `§N` on a line with the document it refers to: the last one named before it on that line, else backend.md. */
const citations = (line: string): { doc: keyof typeof DOCS | "other"; section: string }[] => {
  const out: { doc: keyof typeof DOCS | "other"; section: string }[] = [];
  let doc: keyof typeof DOCS | "other" = "backend";
  for (const match of line.matchAll(/(clients\.md|backend\.md|STYLE\.md|spec|RFC \d+)|§(\d+(?:\.(?:\d+|[A-Z]))*)/g)) {
    const name = match[1];
    if (name !== undefined) {
      doc = name === "clients.md" ? "clients" : name === "STYLE.md" ? "style" : name.startsWith("RFC") ? "other" : "backend";
    } else if (match[2] !== undefined) {
      out.push({ doc, section: match[2] });
    }
  }
  return out;
};

describe("docs", () => {
  test("every § citation in src/, runtimes/, test/, bench/ and acceptance/ names a section that exists", () => {
    const files = ["src", "runtimes", "test", "bench", "acceptance/test", "acceptance/support"].flatMap(sourceFiles);
    const missing: string[] = [];
    let checked = 0;
    for (const file of files) {
      read(file)
        .split("\n")
        .forEach((line, index) => {
          for (const { doc, section } of citations(line)) {
            if (doc === "other") continue;
            checked++;
            const known = DOCS[doc];
            // "clients.md §5.B.4" is item 4 of part B of §5: below the second level, the part must exist.
            const parts = section.split(".");
            const found = known.has(section) || (parts.length > 2 && known.has(parts.slice(0, 2).join(".")));
            if (!found) missing.push(`${file}:${index + 1}: §${section} not in docs/${doc === "style" ? "STYLE" : doc}.md`);
          }
        });
    }
    assert.ok(checked > 100, `expected the suite's many citations, found ${checked}`);
    assert.deepEqual(missing, []);
  });

  test("the README's first lines hold the three paths (demo, login then run, binary), start and test, and link the docs", () => {
    const head = read("README.md").split("\n").slice(0, 40).join("\n");
    assert.match(head, /npx godex-proxy demo/);
    assert.match(head, /npx godex-proxy login/);
    assert.match(head, /npx godex-proxy --api-key/);
    assert.match(head, /npm run build:binary/);
    assert.match(head, /npm start/);
    assert.match(head, /npm test/);
    for (const link of head.matchAll(/\]\(((?:docs|bench|acceptance)\/[^)#]+)/g)) {
      assert.doesNotThrow(() => statSync(new URL(link[1] as string, ROOT)), `README links ${link[1]}, which does not exist`);
    }
  });
});
