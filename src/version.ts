// The proxy's version; test/config.test.ts checks that it equals package.json's.
export const VERSION = "0.1.0";
