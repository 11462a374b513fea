// The bench's backend: the test emulator on a loopback port in its own process. A user text of
// "[[bench:N]]" answers with an N-delta text stream, so load generators can ask for a size per request;
// "[[bench:N:P]]" paces it, P ms between events, so each delta reaches the proxy in its own read as a real one does.
import { createEmulator } from "../test/emulator/index.ts";
import { serveEmulator } from "../test/support/serve-emulator.ts";

const emulator = createEmulator();
const inner = emulator.fetch.bind(emulator);
const word = "lorem ";
emulator.fetch = async (request: Request) => {
  if (request.method === "POST") {
    const [, deltas = 0, pace = 0] = (/\[\[bench:(\d+)(?::(\d+))?\]\]/.exec(await request.clone().text()) ?? []).map(Number);
    if (deltas > 0) emulator.enqueue("text", { text: word.repeat(deltas), deltas, delayBetweenEventsMs: pace });
  }
  const response = await inner(request);
  // Keep memory flat over long runs: the bench reads no call records.
  if (emulator.calls.length > 100) emulator.reset();
  return response;
};
const served = await serveEmulator(emulator);
process.stdout.write(`emulator ${served.url} ${served.baseUrl}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void served.close().then(() => process.exit(0)));
