// The backend's model catalogue, `GET {base}/models?client_version=<semver>` (docs/models.md; docs/backend.md §7.3,
// §13.5): read lazily with the Responses call's credentials and headers, kept for a TTL, read again when a
// Responses answer carries a different `x-models-etag`; the built-in list (catalogue.ts) whenever it cannot be read.
import type { AuthStore } from "../auth/types.ts";
import type { Logger } from "../log.ts";
import { isObject } from "../json.ts";
import { CODEX_CLI_VERSION, toUpstreamHeaders } from "../upstream/upstream-headers.ts";
import { effortsOf as builtinEffortsOf, MODEL_EFFORTS } from "./catalogue.ts";
import type { EffortsOf } from "./resolve-model.ts";

/** How long a read catalogue is used before it is read again (a choice: the spec names no lifetime). */
export const CATALOGUE_TTL_MS = 5 * 60_000;
/** After a failed read the built-in list is used this long before the next try, so an outage is not hammered. */
export const CATALOGUE_RETRY_MS = 60_000;
/** Longest a catalogue read may take (at most --header-timeout). */
export const CATALOGUE_READ_TIMEOUT_MS = 10_000;
/** Longest a request waits for a catalogue read in progress before it goes on with what is known (the built-in list). */
export const CATALOGUE_WAIT_MS = 2_000;

export interface CatalogueView {
  /** "backend" once a read succeeded; "builtin" before, and while the backend cannot be read. */
  source: "backend" | "builtin";
  /** Slug → efforts, every entry (hidden ones too: a client may still name them). */
  efforts: Readonly<Record<string, readonly string[]>>;
  /** Listed slugs (visibility "list"), by priority. */
  listed: readonly string[];
  /** The first listed slug: what this proxy calls the catalogue's default (docs/models.md). */
  defaultModel: string | undefined;
}

export interface ModelCatalogue {
  /**
   * The catalogue, read from the backend first when it was never read, its TTL ran out or its etag changed. With
   * `maxWaitMs`, what is known then if the read takes longer (it goes on, for the next caller).
   */
  get(maxWaitMs?: number): Promise<CatalogueView>;
  /** What is known now, without reading (for /health). */
  peek(): CatalogueView;
  /** A Responses answer's `x-models-etag`: a value other than the one last seen makes the next get() read again. */
  observeEtag(etag: string | null): void;
}

export interface ModelCatalogueOptions {
  fetch: typeof fetch;
  baseUrl: string;
  auth: AuthStore;
  now: () => number;
  timeoutMs: number;
  logger: Logger;
}

export const BUILTIN_VIEW: CatalogueView = {
  source: "builtin",
  efforts: MODEL_EFFORTS,
  listed: Object.keys(MODEL_EFFORTS),
  defaultModel: Object.keys(MODEL_EFFORTS)[0],
};

/** `a.b.c` newer than `b.c.d`? Non-numeric parts count as 0. */
const newerThan = (version: string, than: string): boolean => {
  const a = version.split(".").map((p) => Number.parseInt(p, 10) || 0);
  const b = than.split(".").map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
};

/**
 * `{"models":[{slug, supported_reasoning_levels:[{effort}], visibility, priority, minimal_client_version, …}]}`
 * (§7.3 [UNCERTAIN], §13.5 [REPORTED]) → a view; undefined when the body has no usable entry. Entries whose
 * `minimal_client_version` is newer than the CLI version this proxy presents are skipped, as the CLI does (§13.5).
 */
export const parseCatalogue = (body: unknown): CatalogueView | undefined => {
  if (!isObject(body) || !Array.isArray(body.models)) return undefined;
  const entries: { slug: string; efforts: string[]; listed: boolean; priority: number }[] = [];
  for (const entry of body.models) {
    if (!isObject(entry) || typeof entry.slug !== "string" || entry.slug === "") continue;
    if (typeof entry.minimal_client_version === "string" && newerThan(entry.minimal_client_version, CODEX_CLI_VERSION)) continue;
    const levels = Array.isArray(entry.supported_reasoning_levels) ? entry.supported_reasoning_levels : [];
    const efforts = levels.flatMap((level) =>
      isObject(level) && typeof level.effort === "string" ? [level.effort] : typeof level === "string" ? [level] : [],
    );
    entries.push({
      slug: entry.slug,
      efforts,
      listed: entry.visibility !== "hide",
      priority: typeof entry.priority === "number" ? entry.priority : Number.MAX_SAFE_INTEGER,
    });
  }
  if (entries.length === 0) return undefined;
  const efforts: Record<string, readonly string[]> = Object.create(null);
  for (const entry of entries) efforts[entry.slug] = entry.efforts;
  const listed = entries
    .filter((e) => e.listed)
    .sort((a, b) => a.priority - b.priority)
    .map((e) => e.slug);
  return { source: "backend", efforts, listed, defaultModel: listed[0] };
};

export const createModelCatalogue = (options: ModelCatalogueOptions): ModelCatalogue => {
  const url = `${options.baseUrl}/models?client_version=${CODEX_CLI_VERSION}`;
  let view: CatalogueView = BUILTIN_VIEW;
  /** Epoch ms after which get() reads again; 0 = never read. */
  let staleAt = 0;
  let etag: string | null = null;
  let reading: Promise<CatalogueView> | undefined;

  const read = async (): Promise<CatalogueView> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("catalogue deadline")), options.timeoutMs);
    try {
      const headers = toUpstreamHeaders(await options.auth.getCredentials(), "godex:models");
      headers.set("accept", "application/json");
      headers.delete("content-type");
      const response = await options.fetch(url, { method: "GET", headers, signal: controller.signal, redirect: "manual" });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`HTTP ${response.status}`);
      }
      const parsed = parseCatalogue(await response.json());
      if (!parsed) throw new Error("no models in the answer");
      etag = response.headers.get("x-models-etag") ?? response.headers.get("etag") ?? etag;
      view = parsed;
      staleAt = options.now() + CATALOGUE_TTL_MS;
      options.logger.debug("model catalogue read from the backend", { models: parsed.listed.length });
    } catch (error) {
      // The built-in list stands in (or the last good read, if there was one) until the next try.
      staleAt = options.now() + CATALOGUE_RETRY_MS;
      options.logger.debug("model catalogue not read from the backend; using the last known list", {
        error: error instanceof Error ? error.message : String(error),
        source: view.source,
      });
    } finally {
      clearTimeout(timer);
    }
    return view;
  };

  return {
    get(maxWaitMs) {
      if (staleAt !== 0 && options.now() < staleAt) return Promise.resolve(view);
      reading ??= read().finally(() => {
        reading = undefined;
      });
      if (maxWaitMs === undefined) return reading;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<CatalogueView>((resolve) => {
        timer = setTimeout(() => resolve(view), maxWaitMs);
      });
      return Promise.race([reading, waited]).finally(() => clearTimeout(timer));
    },
    peek: () => view,
    observeEtag(next) {
      if (next === null || next === etag) return;
      if (etag !== null) staleAt = 0; // the catalogue changed since it was read
      etag = next;
    },
  };
};

/** A view's efforts per model; a model the backend does not list falls back to the built-in list (own keys only). */
export const effortsFrom =
  (view: CatalogueView): EffortsOf =>
  (model) =>
    Object.hasOwn(view.efforts, model) ? view.efforts[model] : builtinEffortsOf(model);

/** Whether the view has an entry for `model` (listed or hidden); an effort variant's id is not an entry. */
export const knowsModel = (view: CatalogueView, model: string): boolean => Object.hasOwn(view.efforts, model);

/**
 * What to say when --model is not in the backend's catalogue (issue 16 item 7), naming the catalogue's default; the
 * proxy keeps serving. Undefined when the model is listed, or while only the built-in list is known.
 */
export const modelProblem = (view: CatalogueView, model: string): string | undefined => {
  if (view.source !== "backend" || knowsModel(view, model)) return undefined;
  const fallback = view.defaultModel === undefined ? "" : `; its default is ${view.defaultModel} (pass --model ${view.defaultModel})`;
  return `--model ${model} is not in the backend's model catalogue${fallback}`;
};
