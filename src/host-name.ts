// Host names as the Host header, --listen and --allowed-hosts give them: one normal form, and what counts as
// loopback (the Host check in http/exposure.ts, the --allow-any-key warning in config/parse-config.ts).

/** `Example.COM:8080` → `example.com`, `[::1]:39001` → `::1`, `localhost.` → `localhost`. */
export const hostName = (host: string): string => {
  const trimmed = host.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(trimmed);
  if (bracketed) return bracketed[1] as string;
  // A bare IPv6 address (more than one colon) has no port.
  const name = (trimmed.split(":").length > 2 ? trimmed : trimmed.replace(/:\d*$/, "")).replace(/\.$/, "");
  return name;
};

/** Loopback addresses and names: 127.0.0.0/8, ::1 (also IPv4-mapped), localhost and *.localhost (RFC 6761). */
export const isLoopbackName = (name: string): boolean =>
  name === "localhost" || name.endsWith(".localhost") || name === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
