// The proxy's version, kept in step with package.json by test/readme.test.ts.
export const VERSION = "0.1.0";
