import Link from "next/link";
import { notFound } from "next/navigation";
import { publicModelPage } from "@/lib/services/portal-cached";
import { ModelView, PrivateModel } from "@/components/portal/model-view";

/**
 * /models/[id]: server-rendered and cached (ISR, 5 minutes) for public models; a team's private model is
 * rendered in the browser from /api/v1/models/{id}/overview with the visitor's session, so the cached
 * page never depends on who asks.
 */
export const revalidate = 300;

export function generateStaticParams() {
  return []; // every model page is rendered on its first visit, then cached
}

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const id = Number((await params).id);
  const data = Number.isInteger(id) && id > 0 ? await publicModelPage(id) : null;
  return { title: data ? `${data.model.name} — nnlq` : `Model ${id} — nnlq` };
}

export default async function ModelPage({ params }: { params: Promise<{ id: string }> }) {
  const { id: raw } = await params;
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0 || id > 2 ** 31) notFound();
  const data = await publicModelPage(id);
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <p className="mb-2 text-sm">
        <Link href="/browse" className="text-slate-500 hover:text-slate-800">
          ← Browse
        </Link>
      </p>
      {data ? <ModelView data={data} /> : <PrivateModel id={id} />}
    </main>
  );
}
