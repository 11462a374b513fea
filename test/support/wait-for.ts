// Polls a condition that another process or stream settles (an abort reaching the emulator), bounded in time.

/** Resolves with the condition's last value once it holds or `ms` passed (checked every 25 ms). */
export const waitFor = async (check: () => boolean, ms = 5000): Promise<boolean> => {
  for (let waited = 0; !check() && waited < ms; waited += 25) await new Promise((r) => setTimeout(r, 25));
  return check();
};
