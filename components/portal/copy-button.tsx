"use client";
import { useState } from "react";

/** Copies `text` to the clipboard; announces the result to screen readers. */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
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
      className="rounded px-2 py-0.5 text-xs text-slate-200 ring-1 ring-slate-500 hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-400"
    >
      <span aria-live="polite">{done === "ok" ? "Copied" : done === "fail" ? "Select and copy" : label}</span>
    </button>
  );
}
