// A small Prometheus text-format registry (issue #9 item 4): counters, gauges and histograms with labels.
// Label values come from fixed sets (routes, statuses, kinds): never account ids, session keys or model text.

type Labels = Record<string, string>;

const labelKey = (labels: Labels): string => {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, "_")}"`).join(",")}}`;
};

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Gauge {
  add(by: number, labels?: Labels): void;
}
export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

export interface Registry {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string): Gauge;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** The whole registry in the Prometheus text exposition format 0.0.4. */
  render(): string;
}

export const createRegistry = (): Registry => {
  const renderers: (() => string)[] = [];
  const header = (name: string, help: string, type: string) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  const simple = (name: string, help: string, type: "counter" | "gauge") => {
    const values = new Map<string, number>();
    renderers.push(() => header(name, help, type) + [...values].map(([k, v]) => `${name}${k} ${v}\n`).join(""));
    return (labels: Labels, by: number) => {
      const key = labelKey(labels);
      values.set(key, (values.get(key) ?? 0) + by);
    };
  };
  return {
    counter: (name, help) => {
      const add = simple(name, help, "counter");
      return { inc: (labels = {}, by = 1) => add(labels, by) };
    },
    gauge: (name, help) => {
      const add = simple(name, help, "gauge");
      return { add: (by, labels = {}) => add(labels, by) };
    },
    histogram: (name, help, buckets) => {
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      renderers.push(() => {
        let text = header(name, help, "histogram");
        for (const { labels, counts, sum, count } of series.values()) {
          buckets.forEach((le, i) => (text += `${name}_bucket${labelKey({ ...labels, le: String(le) })} ${counts[i]}\n`));
          text += `${name}_bucket${labelKey({ ...labels, le: "+Inf" })} ${count}\n`;
          text += `${name}_sum${labelKey(labels)} ${sum}\n${name}_count${labelKey(labels)} ${count}\n`;
        }
        return text;
      });
      return {
        observe: (value, labels = {}) => {
          const key = labelKey(labels);
          let s = series.get(key);
          if (!s) series.set(key, (s = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 }));
          buckets.forEach((le, i) => {
            if (value <= le) (s as { counts: number[] }).counts[i] = ((s as { counts: number[] }).counts[i] ?? 0) + 1;
          });
          s.sum += value;
          s.count += 1;
        },
      };
    },
    render: () => renderers.map((r) => r()).join(""),
  };
};
