"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { api } from "@/components/api-client";
import { Alert, Button, Field } from "@/components/ui";

export function CreateTeamForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get("name") ?? "");
    setBusy(true);
    setError(null);
    try {
      const { team } = await api<{ team: { id: number } }>("/api/v1/teams", { method: "POST", body: { name } });
      router.push(`/teams/${team.id}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-3 sm:flex-row sm:items-end" aria-label="Create a team">
      <Field id="team-name" name="name" label="Team name" placeholder="e.g. Edge inference lab" className="flex-1" required />
      <Button type="submit" disabled={busy}>
        {busy ? "Creating…" : "Create team"}
      </Button>
      {error && (
        <div className="sm:basis-full">
          <Alert>{error}</Alert>
        </div>
      )}
    </form>
  );
}
