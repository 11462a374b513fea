// The floor the bench compares against: a bare node:http pipe with a keep-alive agent that forwards the body and
// headers to `{upstream}/responses` and streams the answer back, with no parsing or translation at all. What it
// adds over the direct run is the cost of one more process hop on this machine, which no proxy can avoid.
import http from "node:http";

const upstream = new URL(`${process.argv[2]}/responses`);
const agent = new http.Agent({ keepAlive: true, timeout: 4000 });
const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const headers = { ...request.headers, host: upstream.host, "content-length": String(body.length) };
    const out = http.request(upstream, { method: "POST", headers, agent }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    out.on("error", () => response.destroy());
    response.on("close", () => {
      if (!response.writableFinished) out.destroy();
    });
    out.end(body);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as { port: number }).port}/ \n`));
