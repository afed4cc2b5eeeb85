/**
 * Measurement quality vocabulary (isomorphic: the schema, the API schemas, the portal and lib/measure share it).
 * - clean: label = median wall time of runs the host left alone (protocol v2);
 * - estimated: no quiet window came on a single-threaded platform; label = median CPU time (an estimate);
 * - contended: no quiet window came on a multi-threaded platform; label = median wall time under load;
 * - legacy: measured by protocol v1 (interference not recorded); history only.
 * Only clean rows are labels (browse, leaderboards, compare, query answers, training sets) unless asked.
 */
export const GRADES = ["clean", "estimated", "contended", "legacy"] as const;
export type Grade = (typeof GRADES)[number];

export const LABEL_KINDS = ["wall-clean", "cpu-estimate", "wall-contended", "wall-v1"] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

/** Which grades a reader asks for: "clean" (the default: labels) or "all" (every row, marked). */
export const QUALITY_FILTERS = ["clean", "all"] as const;
export type QualityFilter = (typeof QUALITY_FILTERS)[number];

export const GRADE_TEXT: Record<Grade, string> = {
  clean: "measured on a quiet host (interference below the thresholds)",
  estimated: "no quiet window: CPU-time estimate of the idle latency",
  contended: "no quiet window: wall time under load, slower than idle",
  legacy: "protocol v1: interference not recorded",
};
