// The Config type and its strict zod schema, assembled from the flag definitions (flags.ts): one schema per flag,
// strict so that a key that is not a flag is an error (docs/STYLE.md "zod").
import * as z from "zod";
import { FLAG_DEFINITIONS, FLAGS, type ConfigKey } from "./flags.ts";

type Shape = { [K in ConfigKey]: (typeof FLAG_DEFINITIONS)[K]["schema"] };
const shape = Object.fromEntries(FLAGS.map((flag) => [flag.key, flag.schema])) as Shape;

export const configSchema = z.strictObject(shape);

/** Validated configuration; durations are milliseconds, sizes bytes. */
export type Config = z.infer<typeof configSchema>;
