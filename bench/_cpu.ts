// CPU time of a process from the OS (Linux /proc): user + system of the process and of every live descendant, so a
// runtime that runs behind a launcher (a wrapper script, workerd's npm shim) is counted whole. Clock ticks are
// 10 ms here (CLK_TCK 100): measure batches that burn seconds of CPU, not single requests.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10;

/** [utime + stime in ticks, ppid] of one pid, or undefined when it is gone. */
const stat = (pid: number): { ticks: number; ppid: number } | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces: state ppid ... utime(14) stime(15).
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ticks: Number(fields[11]) + Number(fields[12]), ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
};

/** CPU milliseconds (user + system) used so far by `pid` and its live descendants. */
export const cpuMs = (pid: number): number => {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) parents.set(Number(name), s.ppid);
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of parents) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const p of tree) ticks += stat(p)?.ticks ?? 0;
  return ticks * TICK_MS;
};

/** Runs `work` and returns the CPU milliseconds `pid` (with its descendants) spent meanwhile. */
export const cpuDuring = async (pid: number, work: () => Promise<unknown>): Promise<number> => {
  const before = cpuMs(pid);
  await work();
  return cpuMs(pid) - before;
};
