import { redirect } from "next/navigation";
import { jobsForCaller, pageCaller } from "@/lib/services/pages";
import { JobsTable } from "@/components/latency/jobs-table";
import { PageHeader } from "@/components/ui";

export const metadata = { title: "Jobs — nnlq" };
export const dynamic = "force-dynamic"; // per-user page

export default async function JobsPage() {
  const me = await pageCaller();
  if (!me) redirect("/signin?callbackUrl=/jobs");
  const initial = await jobsForCaller(me);
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <PageHeader title="Measurement jobs" subtitle="Your teams' measurements: queued, running and finished. Updates live." />
      <JobsTable initial={initial} />
    </main>
  );
}
