import Link from "next/link";
import { getDb } from "@/lib/db/client";
import { currentPrincipal } from "@/lib/auth/session";
import { listMyTeams } from "@/lib/services/teams";
import { listPlatformsWithStatus } from "@/lib/services/platforms";
import { QueryWorkbench } from "@/components/latency/query-workbench";
import { currentPredictor } from "@/lib/services/portal-predictor";
import { PageHeader } from "@/components/ui";

export const metadata = { title: "Query latency — nnlq" };
export const dynamic = "force-dynamic"; // device status and the caller's teams

export default async function QueryPage() {
  const db = getDb();
  const me = await currentPrincipal(db);
  const [platforms, teams, predictor] = await Promise.all([listPlatformsWithStatus(db), me ? listMyTeams(db, me) : Promise.resolve([]), currentPredictor(db)]);
  return (
    <main className="mx-auto max-w-5xl px-4 py-10">
      <PageHeader
        title="Query latency"
        subtitle={
          <>
            Upload an ONNX model and pick platforms: measured results come from the database, anything new is measured on a real device.{" "}
            <Link href="/platforms" className="text-indigo-700 hover:underline">
              Platforms and devices
            </Link>
          </>
        }
      />
      <QueryWorkbench
        signedIn={!!me}
        teams={teams.map((t) => ({ id: t.id, name: t.name }))}
        platforms={platforms.map((p) => ({ slug: p.slug, name: p.name, devicesOnline: p.devicesOnline }))}
        predictor={predictor}
      />
    </main>
  );
}
