// ESLint (flat config): the Next.js rules (core web vitals + typescript-eslint recommended via eslint-config-next),
// no delete/update without a WHERE on the drizzle handles (db, tx), and lines of at most 140 characters.
// `npm run lint` runs it (cached in node_modules/.cache/eslint); `npm test` runs it before the unit suite.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import drizzle from "eslint-plugin-drizzle";

const dbHandles = ["db", "tx"];

export default defineConfig([
  ...nextVitals,
  ...nextTypescript,
  globalIgnores([
    "node_modules/**",
    ".next/**",
    ".next-*/**",
    ".data/**",
    "out/**",
    "coverage/**",
    "data/**",
    "drizzle/**",
    "public/**",
    "bench/results/**",
    "test/.tmp/**",
    "test/e2e/screenshots/**",
    "next-env.d.ts",
  ]),
  {
    plugins: { drizzle },
    rules: {
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: dbHandles }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: dbHandles }],
      "max-len": [
        "error",
        { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
      // `_`-prefixed names are deliberately unused (positional parameters, destructuring to omit a field).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
]);
