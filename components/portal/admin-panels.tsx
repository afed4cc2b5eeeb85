"use client";
/** Site-admin controls: set a team's quota (PUT /api/v1/admin/quotas), issue and revoke worker tokens. */
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { WorkerTokenView } from "@/lib/api/schemas/admin";
import { api } from "@/components/api-client";
import { Alert, Badge, Button, Field, Select, formatDate } from "@/components/ui";
import { Table } from "@/components/ui/table";

export function QuotaForm({
  teams,
  platforms,
  month,
  initialTeam,
  current,
}: {
  teams: { id: number; name: string }[];
  platforms: string[];
  month: string;
  initialTeam?: number;
  /** team id → platform → quota seconds this month */
  current: Record<number, Record<string, number | null>>;
}) {
  const router = useRouter();
  const [teamId, setTeamId] = useState<number>(initialTeam ?? teams[0]?.id ?? 0);
  const [platform, setPlatform] = useState(platforms[0] ?? "");
  const [m, setM] = useState(month);
  const [seconds, setSeconds] = useState("");
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const now = current[teamId]?.[platform];
  if (!teams.length) return <p className="text-sm text-slate-500">No teams yet.</p>;
  return (
    <form
      className="space-y-3"
      aria-label="Set a team quota"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setMsg(null);
        try {
          const r = await api<{ quota: { quotaSeconds: number; remainingSeconds: number } }>("/api/v1/admin/quotas", {
            method: "PUT",
            body: { teamId, platform, deviceSeconds: Number(seconds), month: m },
          });
          const team = teams.find((t) => t.id === teamId)?.name;
          setMsg({
            kind: "success",
            text: `${team}: ${r.quota.quotaSeconds} device-seconds on ${platform} in ${m} (${r.quota.remainingSeconds.toFixed(1)} s remaining).`,
          });
          router.refresh();
        } catch (err) {
          setMsg({ kind: "error", text: (err as Error).message });
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Select id="qa-team" label="Team" value={teamId} onChange={(e) => setTeamId(Number(e.target.value))}>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name} (#{t.id})
            </option>
          ))}
        </Select>
        <Select id="qa-platform" label="Platform" value={platform} onChange={(e) => setPlatform(e.target.value)}>
          {platforms.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </Select>
        <Field id="qa-month" label="Month" value={m} onChange={(e) => setM(e.target.value)} pattern="\d{4}-\d{2}" required />
        <Field
          id="qa-seconds"
          label="Device-seconds"
          type="number"
          min={0}
          step="any"
          required
          value={seconds}
          onChange={(e) => setSeconds(e.target.value)}
          hint={now === undefined || now === null ? "no quota yet" : `now ${now} s`}
        />
      </div>
      <Button type="submit" disabled={busy || seconds === ""}>
        {busy ? "Saving…" : "Set quota"}
      </Button>
      {msg && <Alert kind={msg.kind}>{msg.text}</Alert>}
    </form>
  );
}

export function WorkerTokens({ initial }: { initial: WorkerTokenView[] }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [allowNew, setAllowNew] = useState(true);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-4">
      <form
        className="flex flex-wrap items-end gap-3"
        aria-label="Issue a worker token"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const r = await api<{ secret: string }>("/api/v1/admin/worker-tokens", {
              method: "POST",
              body: { name, allowNewPlatforms: allowNew },
            });
            setSecret(r.secret);
            setName("");
            router.refresh();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Field
          id="wt-name"
          label="New worker token name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          placeholder="gpu-lab-01"
        />
        <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
          <input type="checkbox" checked={allowNew} onChange={(e) => setAllowNew(e.target.checked)} /> may register new platforms
        </label>
        <Button type="submit" disabled={!name.trim()}>
          Issue token
        </Button>
      </form>
      {error && <Alert>{error}</Alert>}
      {secret && (
        <Alert kind="success">
          Give this to the worker as NNLQ_WORKER_TOKEN — it is shown once: <code className="break-all select-all">{secret}</code>
        </Alert>
      )}
      <Table
        data-testid="worker-tokens"
        rows={initial}
        rowKey={(t) => t.id}
        columns={[
          { header: "Name", cell: (t) => t.name },
          { header: "Prefix", className: "font-mono text-xs", cell: (t) => `nnlqw_${t.prefix}_…` },
          { header: "Last used", className: "text-xs text-slate-600", cell: (t) => formatDate(t.lastUsedAt) },
          { header: "State", cell: (t) => (t.revokedAt ? <Badge tone="red">revoked</Badge> : <Badge tone="emerald">active</Badge>) },
          {
            align: "right",
            cell: (t) =>
              !t.revokedAt && (
                <Button
                  variant="danger"
                  className="px-2 py-1 text-xs"
                  onClick={async () => {
                    if (!confirm(`Revoke ${t.name}? Its devices stop at once.`)) return;
                    try {
                      await api(`/api/v1/admin/worker-tokens/${t.id}`, { method: "DELETE" });
                      router.refresh();
                    } catch (err) {
                      setError((err as Error).message);
                    }
                  }}
                >
                  Revoke
                </Button>
              ),
          },
        ]}
      />
    </div>
  );
}

/** Take one device out of service, or back in (PATCH /api/v1/admin/devices/:id). */
export function DeviceToggle({ id, hostName, platform, disabled }: { id: number; hostName: string; platform: string; disabled: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="inline-flex items-center gap-2">
      <Button
        variant={disabled ? "secondary" : "danger"}
        className="px-2 py-1 text-xs"
        disabled={busy}
        aria-label={`${disabled ? "Enable" : "Disable"} device ${hostName} on ${platform}`}
        onClick={async () => {
          if (!disabled && !confirm(`Take ${hostName} (${platform}) out of service? Its running job goes back to the queue.`)) return;
          setBusy(true);
          setError(null);
          try {
            await api(`/api/v1/admin/devices/${id}`, { method: "PATCH", body: { disabled: !disabled } });
            router.refresh();
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        {disabled ? "Enable" : "Disable"}
      </Button>
      {error && <span className="text-xs text-red-700">{error}</span>}
    </span>
  );
}
