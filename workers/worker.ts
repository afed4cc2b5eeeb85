/**
 * `npm run worker`: the measurement worker process (workers/measure). Options: workers/measure/cli.ts, e.g.
 *   NNLQ_URL=http://localhost:3000 NNLQ_WORKER_TOKEN=nnlqw_… npm run worker -- --platform x86-epyc-2c/ort-cpu-1.30/fp32/t1
 */
import { checkEnvOrExit } from "@/lib/env";
import { workerMain } from "@/workers/measure/cli";

checkEnvOrExit("worker");
process.exit(await workerMain(process.argv.slice(2)));
