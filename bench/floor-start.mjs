// The start-up floor: a bare node:http server answering GET /health, plain JavaScript (no loader, no
// dependencies), printing the same start line as the proxy. bench/startup.ts times it beside the proxy entries.
import http from "node:http";

const server = http.createServer((request, response) => {
  response.writeHead(request.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  response.end('{"status":"ok"}');
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}/ \n`));
