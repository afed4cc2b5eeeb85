import Link from "next/link";
import { modelForCaller, pageCaller, queryPageData } from "@/lib/services/pages";
import { QueryWorkbench } from "@/components/latency/query-workbench";
import { Alert, PageHeader } from "@/components/ui";
import { NnlqError } from "@/lib/errors";
import { parseModelId } from "@/components/portal/model-id";

export const metadata = { title: "Query latency — nnlq" };
export const dynamic = "force-dynamic"; // device status and the caller's teams

export default async function QueryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await pageCaller();
  // /query?model=<id> ("Measure on more platforms" on a model page): that model, chosen, if the caller may see it
  const wanted = (await searchParams).model;
  const modelId = typeof wanted === "string" ? parseModelId(wanted) : null;
  let chosen: { id: number; name: string; hash: string; batch: number } | null = null;
  let chosenError: string | null = null;
  if (wanted !== undefined) {
    if (modelId === null) chosenError = `'${String(wanted)}' is not a model id: choose a model by uploading it below.`;
    else {
      try {
        const { model } = await modelForCaller(me, modelId);
        chosen = { id: model.id, name: model.name, hash: model.hash, batch: model.batch };
      } catch (e) {
        if (!(e instanceof NnlqError) || e.code !== "NOT_FOUND") throw e;
        chosenError = `Model ${modelId} does not exist or is not visible to you${me ? "" : " (sign in to use your teams' models)"}: upload it below.`;
      }
    }
  }
  const { platforms, teams, predictor } = await queryPageData(me);
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
      {chosenError && (
        <div className="mb-4">
          <Alert>{chosenError}</Alert>
        </div>
      )}
      <QueryWorkbench
        signedIn={!!me}
        teams={teams.map((t) => ({ id: t.id, name: t.name }))}
        platforms={platforms.map((p) => ({ slug: p.slug, name: p.name, devicesOnline: p.devicesOnline }))}
        predictor={predictor}
        model={chosen}
      />
    </main>
  );
}
