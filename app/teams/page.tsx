import Link from "next/link";
import { redirect } from "next/navigation";
import { myTeams, pageCaller } from "@/lib/services/pages";
import { CreateTeamForm } from "@/components/teams/create-team-form";
import { Badge, Card, PageHeader } from "@/components/ui";

export const metadata = { title: "Teams — nnlq" };
export const dynamic = "force-dynamic"; // per-user page

export default async function TeamsPage() {
  const me = await pageCaller();
  if (!me) redirect("/signin?callbackUrl=/teams");
  const teams = await myTeams(me);

  return (
    <main className="mx-auto max-w-4xl px-4 py-10">
      <PageHeader title="Teams" subtitle="Teams own private models, measurement quotas and API keys." />
      <div className="space-y-6">
        <Card title="Create a team" description="You become its owner and can invite colleagues by email.">
          <CreateTeamForm />
        </Card>
        <Card title="Your teams">
          {teams.length === 0 ? (
            <p className="text-sm text-slate-500">You are not in a team yet.</p>
          ) : (
            <ul className="divide-y divide-slate-100" aria-label="Your teams">
              {teams.map((t) => (
                <li key={t.id} className="flex items-center justify-between py-3">
                  <Link href={`/teams/${t.id}`} className="font-medium text-indigo-700 hover:underline">
                    {t.name}
                  </Link>
                  <span className="flex items-center gap-3 text-sm text-slate-500">
                    {t.memberCount} {t.memberCount === 1 ? "member" : "members"}
                    <Badge tone={t.role === "owner" ? "indigo" : t.role === "admin" ? "amber" : "slate"}>{t.role}</Badge>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </main>
  );
}
