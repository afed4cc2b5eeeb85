/**
 * `npm run worker`: the measurement worker process (lib/worker). Options: lib/worker/cli.ts, e.g.
 *   NNLQ_URL=http://localhost:3000 NNLQ_WORKER_TOKEN=nnlqw_… npm run worker -- --platform x86-epyc-2c/ort-cpu-1.30/fp32/t1
 */
import { workerMain } from "@/lib/worker/cli";

process.exit(await workerMain(process.argv.slice(2)));
