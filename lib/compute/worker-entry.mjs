// The compute pool's thread entry: plain JavaScript, so it loads under `next start` (whose server code is
// bundled) as well as under tsx and vitest. It registers tsx (a dependency) and runs the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
