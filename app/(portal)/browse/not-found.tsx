"use client";
/**
 * /browse answers 404 when its `cursor` is stale or foreign (from another sort order, or not a cursor at
 * all): that page of results does not exist. Says so and links to the first page with the same filters.
 */
import { Suspense } from "react";
import { useSearchParams } from "next/navigation";

export default function BrowsePageNotFound() {
  return (
    <Suspense fallback={<Message first="/browse" />}>
      <WithFilters />
    </Suspense>
  );
}

function WithFilters() {
  const q = new URLSearchParams(useSearchParams()?.toString() ?? "");
  q.delete("cursor");
  return <Message first={q.size ? `/browse?${q}` : "/browse"} />;
}

function Message({ first }: { first: string }) {
  return (
    <main className="mx-auto max-w-3xl px-4 py-16" data-testid="browse-stale-cursor">
      <p className="text-sm font-semibold text-indigo-700">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">This page of results no longer exists</h1>
      <p className="mt-2 text-slate-600">
        The link points into a listing with another sort order, or its page marker (<code className="text-sm">cursor</code>) is not valid.
        Start again from the first page; your filters are kept.
      </p>
      <div className="mt-6 flex gap-3 text-sm">
        {/* plain links: a client-side navigation within /browse would keep this 404 boundary on screen */}
        <a
          href={first}
          className="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
          data-testid="browse-first-page"
        >
          First page
        </a>
        <a href="/browse" className="rounded-md px-4 py-2 font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white">
          All results
        </a>
      </div>
    </main>
  );
}
