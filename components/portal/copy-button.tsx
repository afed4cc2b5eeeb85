"use client";
import { useState } from "react";

const DARK = "text-slate-200 ring-slate-500 hover:bg-slate-700";
const LIGHT = "text-slate-600 ring-slate-300 hover:bg-slate-100";

/** Copies `text` to the clipboard; announces the result to screen readers. `tone`: the background it sits on. */
export function CopyButton({
  text,
  label = "Copy",
  tone = "dark",
  ariaLabel,
  className = "",
}: {
  text: string;
  label?: string;
  tone?: "dark" | "light";
  ariaLabel?: string;
  className?: string;
}) {
  const [done, setDone] = useState<"ok" | "fail" | null>(null);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone("ok");
        } catch {
          setDone("fail");
        }
        setTimeout(() => setDone(null), 1500);
      }}
      aria-label={ariaLabel}
      title={ariaLabel}
      className={`shrink-0 rounded px-2 py-0.5 text-xs ring-1 ${tone === "dark" ? DARK : LIGHT} focus-visible:outline-2 focus-visible:outline-indigo-400 ${className}`}
    >
      <span aria-live="polite">{done === "ok" ? "Copied" : done === "fail" ? "Select and copy" : label}</span>
    </button>
  );
}
