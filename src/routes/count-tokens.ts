// POST /v1/messages/count_tokens (issue 17 item 1): `{"input_tokens":N}` from a local o200k count of the translated
// request; nothing goes upstream and no session state changes. The tokenizer's 2 MB table loads on first use.
import type { ProxyDeps } from "../deps.ts";
import type { ClientInfo } from "../deps.ts";
import { readJsonBody } from "../http/read-json.ts";
import { countTokensRequestSchema } from "../schemas/messages-request.ts";
import { estimateInputTokens } from "../translate/messages-count-tokens.ts";
import { toUpstreamFromMessages } from "../translate/messages-to-upstream.ts";

let tokenizer: Promise<(text: string) => number> | undefined;
/** gpt-tokenizer's o200k_base (the GPT-5 family's encoding), imported lazily so start-up does not pay for it. */
const loadTokenizer = () => (tokenizer ??= import("gpt-tokenizer/encoding/o200k_base").then((module) => (text: string) => module.countTokens(text)));

export const createCountTokensRoute =
  (deps: ProxyDeps) =>
  async (request: Request, client: ClientInfo): Promise<Response> => {
    const body = await readJsonBody(request, countTokensRequestSchema, deps.config, client.readBody);
    const { instructions, draft } = toUpstreamFromMessages(body, { model: deps.config.model, claudeModels: deps.config.claudeModels });
    const count = await loadTokenizer();
    return Response.json({ input_tokens: estimateInputTokens(instructions, draft, count) });
  };
