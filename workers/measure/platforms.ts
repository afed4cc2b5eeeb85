/**
 * Which platforms a worker serves and how it describes them when registering: the local platforms of
 * lib/measure (all of them by default, or the slugs given with --platform), as protocol platform specs.
 */
import { NnlqError } from "@/lib/errors";
import type { HostInfo } from "@/lib/measure/host";
import { localPlatforms, platformFromSlug, platformRecord, type PlatformSpec } from "@/lib/measure/platforms";
import type { PlatformSpecInput } from "@/lib/api/schemas/worker";

/** The platforms to serve: `slugs` resolved on this host (any it can execute), or all local platforms. */
export function selectPlatforms(host: HostInfo, slugs: readonly string[] = []): PlatformSpec[] {
  if (slugs.length === 0) return localPlatforms(host);
  const out: PlatformSpec[] = [];
  for (const slug of slugs) {
    const p = platformFromSlug(slug, host);
    if (out.some((q) => q.slug === p.slug)) throw new NnlqError("VALIDATION", `platform ${slug} is listed twice`);
    out.push(p);
  }
  return out;
}

/** A platform as the worker protocol's register call describes it (creates the platform row when new). */
export function platformSpecInput(p: PlatformSpec): PlatformSpecInput {
  return platformRecord(p);
}

/** Host facts shown as a device's provenance. */
export function hostInfoOf(host: HostInfo): Record<string, unknown> {
  return {
    cpuModel: host.cpuModel,
    arch: host.arch,
    cores: host.cores,
    memoryBytes: host.memoryBytes,
    os: host.os,
    kernel: host.kernel,
    node: host.nodeVersion,
    cpuFlags: host.cpuFlags,
  };
}
