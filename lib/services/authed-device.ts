/**
 * A device that authenticated with its X-Device-Token (devices.ts authenticateDevice), with its platform:
 * what the job services (jobs.ts) act for. Declared apart so jobs.ts need not import devices.ts, which
 * imports jobs.ts to release a disabled device's jobs.
 */
import type { Device, Platform } from "@/lib/db/schema";

export interface AuthedDevice {
  device: Device;
  platform: Platform;
}
