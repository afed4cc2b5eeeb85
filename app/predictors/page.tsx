import Link from "next/link";
import { currentPredictorInfo } from "@/lib/services/pages";
import { PageHeader } from "@/components/ui";
import PredictorCalibration from "@/components/portal/predictor-calibration";

export const metadata = { title: "Predictors — nnlq" };
export const dynamic = "force-dynamic"; // the promoted version changes while the server runs

/**
 * /predictors: the served predictor and how far its uncertainty holds — the version's calibration per
 * platform and the ±2σ coverage per evaluation split (the figures are fetched by the browser from the
 * version's manifest and public/predictors/eval.json).
 */
export default async function PredictorsPage() {
  const info = await currentPredictorInfo();
  return (
    <main className="mx-auto max-w-5xl px-4 py-10">
      <PageHeader
        title="Predictors"
        subtitle={
          <>
            Every prediction comes with ±2σ; a guarded predictor leans on the analytical model where a graph is unlike its training data and
            says so. Where an interval is wide,{" "}
            <Link href="/query" className="text-indigo-700 hover:underline">
              measure instead
            </Link>
            . Accuracy per method:{" "}
            <Link href="/leaderboards" className="text-indigo-700 hover:underline">
              predictors ranked
            </Link>
            .
          </>
        }
      />
      {info?.trainedOn && <p className="mb-4 text-sm text-slate-600">{info.version}: {info.trainedOn}.</p>}
      <PredictorCalibration manifestUrl={info?.url ?? null} />
    </main>
  );
}
