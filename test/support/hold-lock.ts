// Child process for the lock tests (args: auth path, lock wait in ms): takes `<auth path>.lock` with this runtime's AuthFile and then exits without
// releasing it (process.exit on Node and Bun, Deno.exit on Deno): the exit path must remove the lock (red-team D2).
import { createDenoAuthFile } from "../../runtimes/io/auth-file-deno.ts";
import { createNodeAuthFile } from "../../runtimes/io/auth-file-node.ts";

declare const Deno: { args: string[]; exit(code: number): never } | undefined;

const isDeno = typeof Deno !== "undefined";
const [path = "", waitMs = "10000"] = isDeno ? Deno!.args : process.argv.slice(2);
const timing = { waitMs: Number(waitMs) };
const file = isDeno ? createDenoAuthFile(path, timing) : createNodeAuthFile(path, timing);
await file.lock();
console.log("locked");
if (isDeno) Deno!.exit(0);
else process.exit(0);
