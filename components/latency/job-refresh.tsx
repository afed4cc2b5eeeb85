"use client";
/** Re-renders the server-rendered job page every 2 s while the job is still active (router.refresh). */
import { useEffect } from "react";
import { useRouter } from "next/navigation";

export function RefreshWhileActive({ active, everyMs = 2000 }: { active: boolean; everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs, router]);
  return null;
}
