"use client";
/** The .onnx drop zone of the home page and the query page: drag and drop, or click to choose a file. */
import { useState, type ReactNode } from "react";

export function OnnxDropZone({
  id,
  testId,
  inputLabel,
  onFile,
  className = "",
  children,
}: {
  id: string;
  testId: string;
  /** accessible name of the file input */
  inputLabel: string;
  onFile: (file: File) => void;
  className?: string;
  /** the zone's text */
  children: ReactNode;
}) {
  const [dragging, setDragging] = useState(false);
  return (
    <label
      htmlFor={id}
      data-testid={testId}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const f = e.dataTransfer.files?.[0];
        if (f) onFile(f);
      }}
      className={`flex cursor-pointer flex-col items-center justify-center rounded-lg border-2 border-dashed px-6 text-center text-sm transition focus-within:ring-2 focus-within:ring-indigo-600 ${
        dragging ? "border-indigo-500 bg-indigo-50" : "border-slate-300 hover:border-slate-400"
      } ${className}`}
    >
      {children}
      <input
        id={id}
        aria-label={inputLabel}
        type="file"
        accept=".onnx,application/octet-stream"
        className="sr-only"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) onFile(f);
          e.target.value = "";
        }}
      />
    </label>
  );
}
