// How a Redis outage after start shows in the log: one warning per minute at most, one line when it is back
// (issue #10 item 2). Requests meanwhile run without the shared cache.
import type { Logger } from "../../src/log.ts";

export interface OutageReporter {
  /** A command or the connection failed. */
  failed(error: unknown): void;
  /** A command succeeded. */
  succeeded(): void;
}

/** Default spacing of the warnings while Redis stays unreachable. */
export const OUTAGE_WARNING_INTERVAL_MS = 60_000;

export const createOutageReporter = (options: { logger: Logger; now: () => number; intervalMs?: number }): OutageReporter => {
  const intervalMs = options.intervalMs ?? OUTAGE_WARNING_INTERVAL_MS;
  let down = false;
  let warnedAt = Number.NEGATIVE_INFINITY;
  return {
    failed(error) {
      down = true;
      if (options.now() - warnedAt < intervalMs) return;
      warnedAt = options.now();
      const reason = (error instanceof Error ? error.message : String(error)).slice(0, 200);
      options.logger.warn("Redis unavailable: serving without the shared session cache until it is back", { error: reason || "unknown error" });
    },
    succeeded() {
      if (!down) return;
      down = false;
      warnedAt = Number.NEGATIVE_INFINITY;
      options.logger.info("Redis reachable again: the shared session cache is back");
    },
  };
};
