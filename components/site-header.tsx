"use client";
/** Top navigation; the signed-in part is client-side so public pages stay static and cacheable. */
import Link from "next/link";
import useSWR from "swr";
import { signOut, useSession } from "next-auth/react";
import { api } from "@/components/api-client";

const NAV = [
  ["/browse", "Browse"],
  ["/leaderboards", "Leaderboards"],
  ["/compare", "Compare"],
  ["/query", "Query"],
  ["/jobs", "Jobs"],
  ["/platforms", "Platforms"],
  ["/teams", "Teams"],
  ["/api-docs", "API"],
] as const;

export function SiteHeader() {
  const { data: session, status } = useSession();
  const { data: me } = useSWR(status === "authenticated" ? "/api/v1/me" : null, (p: string) => api<{ user: { isSiteAdmin: boolean } }>(p));
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav aria-label="Main" className="mx-auto flex max-w-6xl items-center justify-between gap-6 px-4 py-3">
        <div className="flex items-center gap-6">
          <Link href="/" className="text-lg font-semibold tracking-tight text-indigo-700">
            nnlq
          </Link>
          <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
            {NAV.map(([href, label]) => (
              <Link key={href} href={href} className="text-sm text-slate-600 hover:text-slate-900">
                {label}
              </Link>
            ))}
            {me?.user.isSiteAdmin && (
              <Link href="/admin" className="text-sm text-slate-600 hover:text-slate-900">
                Admin
              </Link>
            )}
          </div>
        </div>
        <div className="flex items-center gap-3 text-sm">
          {status === "authenticated" ? (
            <>
              <span className="hidden text-slate-600 sm:inline" data-testid="signed-in-as">
                {session.user?.email}
              </span>
              <button onClick={() => signOut({ callbackUrl: "/" })} className="rounded-md px-2 py-1 text-slate-700 hover:bg-slate-100">
                Sign out
              </button>
            </>
          ) : status === "unauthenticated" ? (
            <>
              <Link href="/signin" className="rounded-md px-2 py-1 text-slate-700 hover:bg-slate-100">
                Sign in
              </Link>
              <Link href="/signup" className="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500">
                Sign up
              </Link>
            </>
          ) : null}
        </div>
      </nav>
    </header>
  );
}
