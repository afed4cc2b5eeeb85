import Link from "next/link";
import { homePageData } from "@/lib/services/pages";
import { InstantPreview } from "@/components/preview/instant-preview";

/**
 * Rendered per request (its figures come from caches keyed by database): the predictor version, platform
 * names and headline counts change as nnlq learns. Not ISR: a build's page cache is keyed by path alone and
 * served a page rendered against another database (the test suite's) to the next server on the same build.
 */
export const dynamic = "force-dynamic";

export default async function Home() {
  const { predictor, names, active, totals } = await homePageData();
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <div className="grid gap-8 lg:grid-cols-[1fr_1.3fr] lg:items-start">
        <div>
          <h1 className="text-3xl font-semibold tracking-tight">nnlq</h1>
          <p className="mt-3 text-lg text-slate-600">
            How fast does this neural network run on that hardware? nnlq answers from an evolving database of measured inference latencies,
            predicts what it has not seen, and measures it on real devices — then keeps the result for everyone.
          </p>
          {totals && totals.results > 0 && (
            <p className="mt-4 text-sm text-slate-700" data-testid="home-totals">
              <strong>{totals.results.toLocaleString("en")}</strong> clean measured results at batch 1 on <strong>{totals.platforms}</strong>{" "}
              platform
              {totals.platforms === 1 ? "" : "s"}, over <strong>{totals.models.toLocaleString("en")}</strong> public models.
            </p>
          )}
          <div className="mt-6 flex flex-wrap gap-3">
            <Link href="/browse" className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
              Browse measurements
            </Link>
            <Link
              href="/leaderboards"
              className="rounded-md px-4 py-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white"
            >
              Leaderboards
            </Link>
            <Link href="/api-docs" className="rounded-md px-4 py-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white">
              API
            </Link>
            <Link href="/signup" className="rounded-md px-4 py-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white">
              Create an account
            </Link>
          </div>
        </div>
        <InstantPreview predictor={predictor} platformNames={names} platforms={active} />
      </div>
    </main>
  );
}
