/**
 * `npm run worker:train`: the evolving predictor's trainer process (lib/worker/train-cli.ts):
 * retrains every method once the database has grown by ≥ 10% (or with --force), promotes a version only
 * when it beats the current one on validation, and stores its predictions. --watch MINUTES keeps it running.
 */
import { evolveMain } from "@/lib/worker/train-cli";

process.exit(await evolveMain(process.argv.slice(2)));
