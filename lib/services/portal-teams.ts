/**
 * Team quota page and site-admin overview: quota per platform with spending over time (from the usage
 * ledger) and the ledger itself for a team's members; every team's quotas, the devices and the worker
 * tokens for site admins. Authorisation first, then lib/db reads; results are plain JSON.
 */
import type { DbOrTx } from "@/lib/db/client";
import { listPlatforms } from "@/lib/db/platforms";
import { listLedger, usageSummary } from "@/lib/db/usage";
import { teamMonths, teamsWithQuotas, usageByDay, usageByMonth } from "@/lib/db/portal-teams";
import { monthOf } from "@/lib/db/util";
import { requireSiteAdmin, requireTeamRole } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";
import type { DeviceView, PlatformView } from "@/lib/api/schemas/jobs";
import type { WorkerTokenView } from "@/lib/api/schemas/admin";
import { NnlqError } from "@/lib/errors";
import { getAccessibleModel } from "@/lib/db/model-access";
import { latestMeasurementId } from "@/lib/db/results";
import type { QuotaPreviewResponse } from "@/lib/api/schemas/portal";
import { callerTeamIds } from "./caller";
import { listWorkerTokenViews } from "./devices";
import { estimateDeviceSeconds } from "./quotas";
import { listPlatformsWithStatus, requirePlatform } from "./platforms";

export interface QuotaLine {
  platform: string;
  name: string;
  quotaSeconds: number | null;
  usedSeconds: number;
  remainingSeconds: number | null;
}

export interface TeamQuotaPage {
  team: { id: number; name: string };
  role: string;
  canSetQuotas: boolean;
  month: string;
  months: string[];
  lines: QuotaLine[];
  /** per platform: device-seconds spent by the end of each day of the month with ledger rows */
  daily: { platform: string; points: { day: string; cumulative: number }[] }[];
  monthly: { month: string; platform: string; seconds: number }[];
  ledger: { id: number; at: string; platform: string; kind: string; deltaSeconds: number; jobId: number | null; note: string | null }[];
}

/** The quota page of a team: members only. */
export async function teamQuotaPage(db: DbOrTx, p: Principal | null, teamId: number, month = monthOf()): Promise<TeamQuotaPage> {
  const { team, role, principal } = await requireTeamRole(db, p, teamId, "member");
  const [plats, summary, byDay, byMonth, months, ledger] = await Promise.all([
    listPlatforms(db, { activeOnly: false }),
    usageSummary(db, { teamId, month }),
    usageByDay(db, { teamId, month }),
    usageByMonth(db, { teamId }),
    teamMonths(db, { teamId }),
    listLedger(db, { teamId, month, limit: 200 }),
  ]);
  const slug = new Map(plats.map((x) => [x.id, x.slug]));
  const lines: QuotaLine[] = plats
    .filter((x) => x.active || summary.some((s) => s.platformId === x.id))
    .map((x) => {
      const s = summary.find((l) => l.platformId === x.id);
      return {
        platform: x.slug,
        name: x.name,
        quotaSeconds: s?.quotaSeconds ?? null,
        usedSeconds: s?.usedSeconds ?? 0,
        remainingSeconds: s?.remainingSeconds ?? null,
      };
    });
  const daily = [...new Set(byDay.map((d) => d.platformId))].map((pid) => {
    let sum = 0;
    return {
      platform: slug.get(pid) ?? String(pid),
      points: byDay.filter((d) => d.platformId === pid).map((d) => ({ day: d.day, cumulative: (sum += d.seconds) })),
    };
  });
  return {
    team: { id: team.id, name: team.name },
    role,
    canSetQuotas: principal.user.isSiteAdmin && principal.via === "session",
    month,
    months: [...new Set([monthOf(), month, ...months])].sort().reverse(),
    lines,
    daily,
    monthly: byMonth.map((m) => ({ month: m.month, platform: slug.get(m.platformId) ?? String(m.platformId), seconds: m.seconds })),
    ledger: ledger.map((l) => ({
      id: l.id,
      at: l.createdAt.toISOString(),
      platform: l.platformSlug,
      kind: l.kind,
      deltaSeconds: l.deltaSeconds,
      jobId: l.jobId,
      note: l.note,
    })),
  };
}

export interface AdminOverview {
  month: string;
  platforms: PlatformView[];
  teams: { id: number; name: string; members: number; lines: { platform: string; quotaSeconds: number | null; usedSeconds: number }[] }[];
  devices: DeviceView[];
  tokens: WorkerTokenView[];
}

/** Everything the site-admin page shows: site admins only. */
export async function adminOverview(db: DbOrTx, p: Principal | null, month = monthOf()): Promise<AdminOverview> {
  requireSiteAdmin(p);
  const [platforms, teams, tokens] = await Promise.all([
    listPlatformsWithStatus(db, { includeInactive: true }),
    teamsWithQuotas(db, { month }),
    listWorkerTokenViews(db, p),
  ]);
  const slug = new Map(platforms.map((x) => [x.id, x.slug]));
  return {
    month,
    platforms,
    teams: teams.map((t) => ({
      id: t.teamId,
      name: t.name,
      members: t.members,
      lines: [...new Set([...t.quotas, ...t.used].map((x) => x.platformId))].map((pid) => ({
        platform: slug.get(pid) ?? String(pid),
        quotaSeconds: t.quotas.find((q) => q.platformId === pid)?.seconds ?? null,
        usedSeconds: t.used.find((u) => u.platformId === pid)?.seconds ?? 0,
      })),
    })),
    devices: platforms.flatMap((x) => x.devices),
    tokens,
  };
}

/**
 * What a query would cost the team before it is sent: per platform, whether a stored result answers it
 * (free), else the device-seconds a measurement reserves (lib/services/quotas estimate) against the
 * month's remaining budget. Members of the team only; the model must be visible to the caller.
 */
export async function quotaPreview(
  db: DbOrTx,
  p: Principal | null,
  teamId: number,
  q: { modelId: number; platforms: string[]; batch?: number },
): Promise<QuotaPreviewResponse> {
  await requireTeamRole(db, p, teamId, "member");
  const model = await getAccessibleModel(db, { id: q.modelId, teamIds: await callerTeamIds(db, p) });
  if (!model) throw new NnlqError("NOT_FOUND", `Model ${q.modelId} is not known or not visible to you`);
  const month = monthOf();
  const usage = await usageSummary(db, { teamId, month });
  const batch = q.batch ?? model.batch;
  const items = [];
  for (const slug of q.platforms) {
    const platform = await requirePlatform(db, slug);
    const stored = (await latestMeasurementId(db, { modelId: model.id, platformId: platform.id, batch })) !== null;
    const line = usage.find((u) => u.platformId === platform.id);
    const quotaSeconds = line?.quotaSeconds ?? null;
    const remainingSeconds = Math.max(0, line?.remainingSeconds ?? 0);
    const estimateSeconds = stored ? 0 : estimateDeviceSeconds(model, platform, batch);
    items.push({
      platform: slug,
      stored,
      estimateSeconds,
      quotaSeconds,
      remainingSeconds,
      affordable: stored || (quotaSeconds !== null && estimateSeconds <= remainingSeconds),
    });
  }
  return { month, items };
}
