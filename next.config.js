/** @type {import('next').NextConfig} */
const nextConfig = {
  // Node-only packages used by route handlers and server code; never bundled.
  serverExternalPackages: ["onnxruntime-node", "mysql2", "bcryptjs", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"],
  poweredByHeader: false,
  // NEXT_DIST_DIR lets two builds of one checkout coexist (e.g. a second build for a parallel check).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // The build type-checks the app and what it imports (tsconfig.next.json), not scripts, tests or
  // scratch files; `npm run typecheck` covers the whole repository.
  typescript: { tsconfigPath: "tsconfig.next.json" },
};

export default nextConfig;
