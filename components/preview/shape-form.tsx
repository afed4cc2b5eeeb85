"use client";
/**
 * The input-shape form of the preview and the query page: a model exported with symbolic input dims
 * ([batch, 3, height, width], [batch, seq_len]) is analysed at defaulted sizes (1 unless the graph forces
 * one), which no one runs; this asks for the size. One row per input with symbolic dims; a field per
 * symbolic dim, prefilled with the size the shown analysis used; a named symbol shared by several inputs
 * ("batch", "seq") is one value in every row, since the model requires them equal. Fixed dims are shown,
 * not editable. Submitting hands the full shapes to `onSubmit` (the page re-runs the analysis there).
 */
import { useState } from "react";
import { Button } from "@/components/ui";
import { MAX_INPUT_DIM } from "@/lib/api/schemas/input-shapes";
import type { InputShapes, SymbolicInput } from "./protocol";

/** The field a dim edits: a named symbol is one field for every input that has it; "?" dims their own. */
const fieldOf = (input: string, dim: string, i: number) => (dim === "?" ? `${input}:${i}` : `sym:${dim}`);

export function ShapeForm({
  symbolic,
  current,
  explicit,
  busy = false,
  error = null,
  onSubmit,
}: {
  symbolic: SymbolicInput[];
  /** the shapes the shown analysis used (defaulted or given): the prefill */
  current: InputShapes;
  /** the shown analysis used shapes given here (not defaults) */
  explicit: boolean;
  busy?: boolean;
  error?: { code: string; message: string } | null;
  onSubmit: (inputs: InputShapes) => void;
}) {
  const [values, setValues] = useState<Record<string, string>>(() => {
    const v: Record<string, string> = {};
    for (const s of symbolic)
      s.dims.forEach((d, i) => {
        if (typeof d === "string") v[fieldOf(s.name, d, i)] ??= String(current[s.name]?.[i] ?? 1);
      });
    return v;
  });
  const valid = (text: string | undefined) => !!text && /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_INPUT_DIM;
  const bad = Object.entries(values).filter(([, t]) => !valid(t));
  const shapes = (): InputShapes =>
    Object.fromEntries(symbolic.map((s) => [s.name, s.dims.map((d, i) => (typeof d === "number" ? d : Number(values[fieldOf(s.name, d, i)])))]));

  return (
    <form
      className="mt-4 rounded-md bg-amber-50 px-3 py-3 text-sm ring-1 ring-amber-200"
      data-testid="shape-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!bad.length && !busy) onSubmit(shapes());
      }}
    >
      <p className="text-amber-900">
        {explicit ? (
          <>This model has symbolic input sizes; it is analysed at the size below.</>
        ) : (
          <>
            This model has symbolic input sizes: they were <strong>defaulted</strong>, so its FLOPs and latency are those of a size nobody
            runs. Give the size you run it at.
          </>
        )}
      </p>
      <div className="mt-2 space-y-2">
        {symbolic.map((s) => (
          <fieldset key={s.name} className="flex flex-wrap items-center gap-x-2 gap-y-1" data-testid={`shape-row-${s.name}`}>
            <legend className="sr-only">Shape of input {s.name}</legend>
            <span className="mr-1 font-mono text-xs text-slate-800" title={`declared [${s.dims.join(", ")}]`}>
              {s.name}
            </span>
            {s.dims.map((d, i) => (
              <span key={i} className="flex items-center gap-1">
                {i > 0 && <span className="text-slate-400">×</span>}
                {typeof d === "number" ? (
                  <span className="tabular-nums text-slate-600" title={`dim ${i} is fixed by the model`}>
                    {d}
                  </span>
                ) : (
                  <label className="flex items-center gap-1">
                    <span className="text-xs text-slate-500">{d === "?" ? `dim ${i}` : d}</span>
                    <input
                      type="number"
                      min={1}
                      max={MAX_INPUT_DIM}
                      step={1}
                      required
                      aria-label={`${s.name} ${d === "?" ? `dim ${i}` : d}`}
                      data-testid={`shape-${s.name}-${i}`}
                      value={values[fieldOf(s.name, d, i)] ?? ""}
                      onChange={(e) => setValues((v) => ({ ...v, [fieldOf(s.name, d, i)]: e.target.value }))}
                      aria-invalid={!valid(values[fieldOf(s.name, d, i)])}
                      className="w-20 rounded-md bg-white px-2 py-1 tabular-nums ring-1 ring-slate-300 aria-[invalid=true]:ring-red-400"
                    />
                  </label>
                )}
              </span>
            ))}
          </fieldset>
        ))}
      </div>
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={busy || bad.length > 0} data-testid="shape-submit">
          {busy ? "Analysing…" : "Analyse at this size"}
        </Button>
        {bad.length > 0 && <span className="text-xs text-red-700">each size must be a whole number in 1…{MAX_INPUT_DIM}</span>}
      </div>
      {error && (
        <p className="mt-2 text-xs text-red-700" role="alert" data-testid="shape-error">
          {error.message} <span className="text-slate-500">({error.code})</span>
        </p>
      )}
    </form>
  );
}
