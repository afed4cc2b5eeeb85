/**
 * Loaders of predictor methods that live in modules load() imports on demand (kernel-rf): such a module
 * registers its loader here when it is imported, and load.ts looks it up. Kept apart from load.ts so the
 * lazily imported module does not import its importer.
 */
import type { BasePredictor } from "./predictor";

export type StateLoader = (version: string, state: never, trainingSetSize: number) => BasePredictor;

const lazyMethods = new Map<string, StateLoader>();

/** Methods living in modules load() imports on demand register their loader here when imported. */
export function registerMethod(method: string, loader: StateLoader): void {
  lazyMethods.set(method, loader);
}

/** The registered loader of a lazily imported method, if its module has been imported. */
export function lazyMethod(method: string): StateLoader | undefined {
  return lazyMethods.get(method);
}
