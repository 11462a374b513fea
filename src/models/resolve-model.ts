// Reasoning-effort model variants (issue #9 item 2, spec §7.2): `gpt-5.4-high` → gpt-5.4 with effort "high".
// An explicit effort in the body wins over the suffix; an effort the model lacks is a 400, never a clamp.
import { badRequest } from "../errors.ts";
import { effortsOf as builtinEffortsOf } from "./catalogue.ts";

/** Model → its efforts, or undefined for a model the catalogue does not list (the built-in list by default). */
export type EffortsOf = (model: string) => readonly string[] | undefined;

const ALL_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"];

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'` (the backend's list format, spec §4.8). */
const quoteList = (values: readonly string[]): string => {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 2) return quoted.join(" and ");
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1)}`;
};

const SUFFIX = /^(.*)[-_:]([a-z]+)$/;

/** Whether resolving needs a catalogue at all: only an effort in the body or an effort-like suffix is checked. */
export const namesEffort = (requested: string, bodyEffort: string | undefined): boolean =>
  bodyEffort !== undefined || ALL_EFFORTS.includes(SUFFIX.exec(requested)?.[2] ?? "");

/** Splits a known model's effort suffix (`-`, `_` or `:` separator); other ids pass unchanged. */
export const splitEffortSuffix = (id: string, effortsOf: EffortsOf = builtinEffortsOf): { model: string; effort?: string } => {
  const match = SUFFIX.exec(id);
  if (match && ALL_EFFORTS.includes(match[2] as string) && effortsOf(match[1] as string)) {
    return { model: match[1] as string, effort: match[2] as string };
  }
  return { model: id };
};

/** Every `<model>-<effort>` id the catalogue supports, for /v1/models. */
export const listEffortVariants = (models: readonly string[], effortsOf: EffortsOf = builtinEffortsOf): string[] =>
  models.flatMap((model) => (effortsOf(model) ?? []).map((effort) => `${model}-${effort}`));

/**
 * The model to send and the effort to set: the body's effort wins over the suffix; for a catalogue model an
 * unsupported effort is a 400 naming the supported ones (`param` names where the effort came from); `ultra` is sent
 * as `max`.
 */
export const resolveModelEffort = (
  requested: string,
  bodyEffort: string | undefined,
  effortParam: string,
  effortsOf: EffortsOf = builtinEffortsOf,
): { model: string; effort?: string } => {
  const { model, effort: suffixEffort } = splitEffortSuffix(requested, effortsOf);
  const effort = bodyEffort ?? suffixEffort;
  const supported = effortsOf(model);
  if (effort !== undefined && supported && !supported.includes(effort)) {
    throw badRequest(
      `Unsupported reasoning effort '${effort}' for the '${model}' model. Supported values are: ${quoteList(supported)}.`,
      bodyEffort !== undefined ? effortParam : "model",
      "unsupported_value",
    );
  }
  if (effort === undefined) return { model };
  // docs/backend.md §13.1 [REPORTED: codex-rs client.rs]: the catalogue's `ultra` goes on the wire as `max`.
  return { model, effort: effort === "ultra" && supported ? "max" : effort };
};
