"use client";
/** Any error thrown while rendering a page: a message and a retry, never a blank page. */
import Link from "next/link";
import { useEffect } from "react";

export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => console.error(error), [error]);
  const unavailable = /DB_UNAVAILABLE|ECONNREFUSED|database/i.test(error.message);
  return (
    <main className="mx-auto max-w-3xl px-4 py-16" role="alert">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Something went wrong</h1>
      <p className="mt-2 text-slate-600">
        {unavailable
          ? "The database is not reachable right now. Try again in a moment."
          : "This page could not be rendered. Try again; if it keeps failing, the server log has the details"}
        {error.digest ? ` (reference ${error.digest}).` : "."}
      </p>
      <div className="mt-6 flex gap-3 text-sm">
        <button type="button" onClick={reset} className="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">
          Try again
        </button>
        <Link href="/" className="rounded-md px-4 py-2 font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white">
          Home
        </Link>
      </div>
    </main>
  );
}
