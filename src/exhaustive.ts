// The `never` check that closes every switch over a union: adding a case to the union (a new upstream event, a
// new chunk kind) makes each switch that forgot it a compile error instead of a silent default.

/** Marks the end of an exhaustive switch; reaching it at run time means a value the types ruled out. */
export const exhaustive = (value: never): never => {
  throw new TypeError(`unhandled case: ${JSON.stringify(value)?.slice(0, 100)}`);
};
