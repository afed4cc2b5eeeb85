/**
 * Queue timing, shared by the server side of the worker protocol. Environment overrides (seconds):
 *   NNLQ_LEASE_SECONDS      lease length after a claim or heartbeat (default 60)
 *   NNLQ_MAX_ATTEMPTS       attempts before a job fails (default 3)
 */
import { envValue } from "@/lib/env";

export const QUEUE = {
  get leaseSeconds() {
    return envValue("NNLQ_LEASE_SECONDS");
  },
  /** workers heartbeat at least this often: a lease spans six heartbeat intervals */
  get heartbeatSeconds() {
    return Math.max(1, Math.floor(this.leaseSeconds / 6));
  },
  get maxAttempts() {
    return envValue("NNLQ_MAX_ATTEMPTS");
  },
  /** longest claim long-poll */
  maxWaitSeconds: 30,
  /** how often a waiting claim re-checks the queue */
  pollMs: 500,
  /** a device silent this long shows as offline (a waiting worker calls at least every maxWaitSeconds) */
  deviceStaleSeconds: 90,
  /** the lease sweep runs at most this often per process (claims trigger it) */
  sweepEveryMs: 2000,
};
