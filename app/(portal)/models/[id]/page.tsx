import Link from "next/link";
import { notFound } from "next/navigation";
import { publicModelPage } from "@/lib/services/portal-cached";
import { ModelView } from "@/components/portal/model-view";
import { parseModelId } from "@/components/portal/model-id";

/**
 * /models/[id]: rendered per request from the public model data, which is cached 5 minutes per database
 * (publicModelPage). Not ISR: a build's page cache is keyed by path alone, so a page rendered against one
 * database (the e2e suite's) was served later by a server on another (the user's). Anything else answers 404
 * (Next's notFound(); the page never depends on who asks): an unknown model, a
 * non-numeric id, and a team's private model alike, as GET /api/v1/models/{id} does for outsiders. The
 * 404 body (not-found.tsx) then asks /api/v1/models/{id}/overview with the visitor's session, so a team
 * member still sees their private model.
 */
export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const id = parseModelId((await params).id);
  const data = id === null ? null : await publicModelPage(id);
  return { title: data ? `${data.model.name} — nnlq` : "Model not found — nnlq" };
}

export default async function ModelPage({ params }: { params: Promise<{ id: string }> }) {
  const id = parseModelId((await params).id);
  if (id === null) notFound();
  const data = await publicModelPage(id);
  if (!data) notFound();
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <p className="mb-2 text-sm">
        <Link href="/browse" className="text-slate-500 hover:text-slate-800">
          ← Browse
        </Link>
      </p>
      <ModelView data={data} />
    </main>
  );
}
