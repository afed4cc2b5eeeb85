import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { pageCaller, teamApiKeys, teamOverview } from "@/lib/services/pages";
import { isNnlqError } from "@/lib/errors";
import { MembersPanel } from "@/components/teams/members-panel";
import { KeysPanel } from "@/components/teams/keys-panel";
import { Alert, Badge, Card, PageHeader } from "@/components/ui";

export const dynamic = "force-dynamic"; // per-user page

export default async function TeamPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const teamId = Number(id);
  if (!Number.isInteger(teamId) || teamId <= 0) notFound();
  const me = await pageCaller();
  if (!me) redirect(`/signin?callbackUrl=/teams/${teamId}`);

  let overview;
  try {
    overview = await teamOverview(me, teamId);
  } catch (e) {
    if (isNnlqError(e) && e.code === "NOT_FOUND") notFound();
    if (isNnlqError(e) && e.code === "FORBIDDEN") {
      return (
        <main className="mx-auto max-w-4xl px-4 py-10">
          <Alert>{e.message}.</Alert>
          <p className="mt-4 text-sm">
            <Link href="/teams" className="text-indigo-700 hover:underline">
              Back to your teams
            </Link>
          </p>
        </main>
      );
    }
    throw e;
  }
  const { team, role, members } = overview;
  const keys = await teamApiKeys(me, teamId);
  const iso = (d: Date | null) => (d ? d.toISOString() : null);

  return (
    <main className="mx-auto max-w-4xl px-4 py-10">
      <p className="mb-2 text-sm">
        <Link href="/teams" className="text-slate-500 hover:text-slate-800">
          ← Teams
        </Link>
      </p>
      <PageHeader
        title={team.name}
        subtitle={
          <>
            You are <Badge tone={role === "owner" ? "indigo" : role === "admin" ? "amber" : "slate"}>{role}</Badge> ·{" "}
            {members.length} {members.length === 1 ? "member" : "members"}
          </>
        }
      />
      <div className="space-y-6">
        <Card
          title="Members"
          description="Owners manage everything; admins manage members and keys; members use the team's models, quota and keys."
        >
          <MembersPanel
            teamId={team.id}
            members={members.map((m) => ({ userId: m.userId, email: m.email, name: m.name, role: m.role }))}
            myRole={role}
            myUserId={me.user.id}
          />
        </Card>
        <Card title="Quota and usage" description="Device-seconds per platform this month, spending over time and the usage ledger.">
          <Link href={`/teams/${team.id}/quota`} className="text-sm font-medium text-indigo-700 hover:underline" data-testid="quota-link">
            Open quota and usage →
          </Link>
        </Card>
        <Card title="API keys" description="For scripts, CI and the nnlq CLI. Keys act with member rights in this team only.">
          <KeysPanel
            teamId={team.id}
            keys={keys.map((k) => ({
              ...k,
              createdAt: k.createdAt.toISOString(),
              lastUsedAt: iso(k.lastUsedAt),
              revokedAt: iso(k.revokedAt),
            }))}
            canRevokeAny={role !== "member"}
            myUserId={me.user.id}
          />
        </Card>
      </div>
    </main>
  );
}
