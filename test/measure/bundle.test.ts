import { describe, expect, it } from "vitest";
import { stripWeights } from "@/lib/onnx";
import {
  decodeJobsBundle, encodeJobsBundle, measureJobsBundle, signResultsBundle, verifyResultsBundle, type BundleResult,
} from "@/lib/measure/bundle";
import type { MeasurementResult } from "@/lib/measure/measure";
import { localPlatforms } from "@/lib/measure/platforms";
import { convNet, customOpModel } from "./models";

const platform = localPlatforms()[0].slug;
const TOKEN = "dev_tok_3f9a0c5e1b7d";
const invalid = (reason: RegExp) => expect.objectContaining({ code: "BUNDLE_INVALID", message: expect.stringMatching(reason) });

function fakeResult(jobId: string, median: number): BundleResult {
  const result = { platform, batch: 1, stats: { median, min: median * 0.9 } } as unknown as MeasurementResult;
  return { jobId, ok: true, result };
}

describe("jobs bundle", () => {
  it("round-trips jobs with their models byte for byte", () => {
    const jobs = [
      { jobId: "j1", platform, batch: 1, model: stripWeights(convNet()) },
      { jobId: "j2", platform, batch: 8, inputs: { x: [8, 3, 64, 64] }, model: convNet() },
    ];
    const text = encodeJobsBundle(platform, jobs, { createdAt: new Date("2026-01-02T03:04:05Z") });
    expect(text.split("\n")).toHaveLength(4); // header, 2 jobs, trailing newline
    const { header, jobs: back } = decodeJobsBundle(text);
    expect(header).toEqual({ format: "nnlq-jobs", version: 1, platform, createdAt: "2026-01-02T03:04:05.000Z", count: 2 });
    expect(back.map((j) => [j.jobId, j.batch, j.inputs])).toEqual([["j1", 1, undefined], ["j2", 8, { x: [8, 3, 64, 64] }]]);
    expect(Buffer.from(back[0].model).equals(Buffer.from(jobs[0].model))).toBe(true);
    expect(Buffer.from(back[1].model).equals(Buffer.from(jobs[1].model))).toBe(true);
  });

  it("rejects corrupt, mixed-platform and truncated job bundles", () => {
    const text = encodeJobsBundle(platform, [{ jobId: "j1", platform, batch: 1, model: convNet() }]);
    const [h, j] = text.trim().split("\n");
    const job = JSON.parse(j);
    const corrupt = JSON.stringify({ ...job, model: Buffer.from("not the model").toString("base64") });
    expect(() => decodeJobsBundle(`${h}\n${corrupt}\n`)).toThrowError(invalid(/does not match its sha256/));
    expect(() => decodeJobsBundle(`${h}\n${JSON.stringify({ ...job, platform: "x/ort-cpu-1.30/fp32/t9" })}\n`)).toThrowError(
      invalid(/not a job of platform/),
    );
    expect(() => decodeJobsBundle(`${h}\n`)).toThrowError(invalid(/announces 1 jobs, bundle has 0/));
    expect(() => decodeJobsBundle("")).toThrowError(invalid(/empty/));
    expect(() => decodeJobsBundle("{oops\n")).toThrowError(invalid(/line 1 is not a JSON object/));
    expect(() => encodeJobsBundle(platform, [{ jobId: "j", platform: "other", batch: 1, model: convNet() }])).toThrowError(invalid(/not/));
  });
});

describe("results bundle", () => {
  const results = [
    fakeResult("j1", 1.25),
    { jobId: "j2", ok: false as const, error: { code: "UNSUPPORTED_OPERATOR", message: "operator X is not supported on platform Y" } },
  ];

  it("verifies a bundle signed with the device token", () => {
    const text = signResultsBundle({ platform, deviceId: "dev-7" }, results, TOKEN);
    expect(text.trim().split("\n").pop()).toMatch(/^\{"signature":"hmac-sha256:[0-9a-f]{64}"\}$/);
    const { header, results: back } = verifyResultsBundle(text, TOKEN);
    expect(header).toMatchObject({ format: "nnlq-results", version: 1, platform, deviceId: "dev-7", count: 2 });
    expect(back).toEqual(results);
  });

  it("rejects tampering, a wrong token, truncation and malformed content", () => {
    const text = signResultsBundle({ platform }, results, TOKEN);
    expect(() => verifyResultsBundle(text.replace('"median":1.25', '"median":0.25'), TOKEN)).toThrowError(invalid(/signature mismatch/));
    expect(() => verifyResultsBundle(text.replace('"jobId":"j2"', '"jobId":"j3"'), TOKEN)).toThrowError(invalid(/signature mismatch/));
    expect(() => verifyResultsBundle(text, "another-device-token")).toThrowError(invalid(/signature mismatch/));
    const lines = text.trim().split("\n");
    expect(() => verifyResultsBundle([lines[0], lines[1], lines[3]].join("\n") + "\n", TOKEN)).toThrowError(invalid(/signature mismatch/));
    expect(() => verifyResultsBundle(lines.slice(0, 3).join("\n") + "\n", TOKEN)).toThrowError(invalid(/missing signature/));
    expect(() => verifyResultsBundle(text, "")).toThrowError(expect.objectContaining({ code: "VALIDATION" }));
    // correctly signed but not a measurement of this platform: refused too
    const foreignResult = { platform: "other", batch: 1, stats: { median: 1 } } as unknown as MeasurementResult;
    const foreign = signResultsBundle({ platform }, [{ jobId: "j", ok: true, result: foreignResult }], TOKEN);
    expect(() => verifyResultsBundle(foreign, TOKEN)).toThrowError(invalid(/not a measurement on/));
    const dup = signResultsBundle({ platform }, [fakeResult("j", 1), fakeResult("j", 2)], TOKEN);
    expect(() => verifyResultsBundle(dup, TOKEN)).toThrowError(invalid(/appears twice/));
  });

  it("measures a jobs bundle offline into a verifiable results bundle", async () => {
    const jobs = encodeJobsBundle(platform, [
      { jobId: "ok", platform, batch: 2, model: stripWeights(convNet()) },
      { jobId: "unsupported", platform, batch: 1, model: customOpModel() },
    ]);
    const progress: string[] = [];
    const signed = await measureJobsBundle(jobs, {
      key: TOKEN, deviceId: "lab-1",
      measure: { device: `test-bundle-${process.pid}`, timeBudgetMs: 200, profileRuns: 3 },
      onProgress: (done, total, r) => progress.push(`${done}/${total}:${r.jobId}:${r.ok}`),
    });
    expect(progress).toEqual(["1/2:ok:true", "2/2:unsupported:false"]);
    const { header, results } = verifyResultsBundle(signed, TOKEN);
    expect(header.deviceId).toBe("lab-1");
    const [ok, bad] = results;
    expect(ok.ok && ok.result.batch === 2 && ok.result.stats.median > 0).toBe(true);
    expect(bad).toMatchObject({ ok: false, error: { code: "UNSUPPORTED_OPERATOR" } });
  }, 120_000);
});
