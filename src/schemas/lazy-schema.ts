// A request schema built when its route is first used rather than when the module loads: a zod v4 schema costs
// time to construct (each node gets its methods), and start-up is measured against a bare node:http server (issue
// 19 item 4). Only `safeParse` and `parse` are exposed, which is all the routes and tests call.

/** `make` runs once, on the first call. */
export const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

type Parser = { safeParse: (...args: never[]) => unknown; parse: (...args: never[]) => unknown };

/** The schema `make` returns, built on the first safeParse or parse. */
export const lazySchema = <T extends Parser>(make: () => T): Pick<T, "safeParse" | "parse"> => {
  const schema = once(make);
  return {
    safeParse: ((...args: Parameters<T["safeParse"]>) => schema().safeParse(...args)) as T["safeParse"],
    parse: ((...args: Parameters<T["parse"]>) => schema().parse(...args)) as T["parse"],
  };
};
