import { redirect } from "next/navigation";
import { getDb } from "@/lib/db/client";
import { currentPrincipal } from "@/lib/auth/session";
import { listJobsForCaller } from "@/lib/services/jobs";
import { JobsTable } from "@/components/latency/jobs-table";
import { PageHeader } from "@/components/ui";

export const metadata = { title: "Jobs — nnlq" };
export const dynamic = "force-dynamic"; // per-user page

export default async function JobsPage() {
  const db = getDb();
  const me = await currentPrincipal(db);
  if (!me) redirect("/signin?callbackUrl=/jobs");
  const initial = await listJobsForCaller(db, me, { limit: 50 });
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <PageHeader title="Measurement jobs" subtitle="Your teams' measurements: queued, running and finished. Updates live." />
      <JobsTable initial={initial} />
    </main>
  );
}
