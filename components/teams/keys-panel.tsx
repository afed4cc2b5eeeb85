"use client";
/** Team API keys: create (the secret is shown once), list, revoke. */
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { api } from "@/components/api-client";
import { Alert, Badge, Button, Field, formatDate } from "@/components/ui";
import { Table } from "@/components/ui/table";

export interface KeyRow {
  id: number;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdBy: { id: number; email: string } | null;
}

export function KeysPanel({
  teamId,
  keys,
  canRevokeAny,
  myUserId,
}: {
  teamId: number;
  keys: KeyRow[];
  canRevokeAny: boolean;
  myUserId: number;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);

  async function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const name = String(new FormData(form).get("name") ?? "");
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const r = await api<{ secret: string }>(`/api/v1/teams/${teamId}/keys`, { method: "POST", body: { name } });
      setSecret(r.secret);
      form.reset();
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(k: KeyRow) {
    if (!window.confirm(`Revoke the key "${k.name}" (nnlq_${k.prefix}_…)? Programs using it stop working.`)) return;
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/teams/${teamId}/keys/${k.id}`, { method: "DELETE" });
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-4">
      {error && <Alert>{error}</Alert>}
      {secret && (
        <div className="rounded-md bg-amber-50 p-3 ring-1 ring-amber-200" role="status">
          <p className="text-sm font-medium text-amber-900">Copy your new key now — it will not be shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code
              data-testid="new-api-key"
              className="flex-1 overflow-x-auto rounded bg-white px-2 py-1.5 font-mono text-xs text-slate-900 ring-1 ring-amber-200"
            >
              {secret}
            </code>
            <Button
              variant="secondary"
              onClick={() => navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false))}
            >
              {copied ? "Copied" : "Copy"}
            </Button>
          </div>
          <p className="mt-2 text-xs text-amber-900">
            Use it as <code>Authorization: Bearer &lt;key&gt;</code> or <code>NNLQ_API_KEY</code> for the CLI.
          </p>
        </div>
      )}

      <form onSubmit={onCreate} className="flex flex-col gap-3 sm:flex-row sm:items-end" aria-label="Create an API key">
        <Field id="key-name" name="name" label="New key name" placeholder="e.g. NAS search on cluster" className="flex-1" required />
        <Button type="submit" disabled={busy}>
          Create key
        </Button>
      </form>

      {keys.length === 0 ? (
        <p className="text-sm text-slate-500">No API keys yet.</p>
      ) : (
        <Table
          aria-label="API keys"
          density="airy"
          scopeCols
          rows={keys}
          rowKey={(k) => k.id}
          rowProps={(k) => ({ "data-testid": `key-${k.name}` })}
          columns={[
            {
              header: "Name",
              cell: (k) => (
                <>
                  <div className="font-medium text-slate-900">{k.name}</div>
                  <div className="text-xs text-slate-500">{k.createdBy?.email ?? "deleted user"}</div>
                </>
              ),
            },
            { header: "Key", className: "font-mono text-xs", cell: (k) => `nnlq_${k.prefix}_…` },
            {
              header: "Created",
              headerClassName: "hidden md:table-cell",
              className: "hidden text-slate-600 md:table-cell",
              cell: (k) => formatDate(k.createdAt),
            },
            {
              header: "Last used",
              headerClassName: "hidden md:table-cell",
              className: "hidden text-slate-600 md:table-cell",
              cell: (k) => (k.lastUsedAt ? formatDate(k.lastUsedAt) : "never"),
            },
            {
              header: <span className="sr-only">Actions</span>,
              align: "right",
              cell: (k) =>
                k.revokedAt ? (
                  <Badge tone="red">revoked</Badge>
                ) : canRevokeAny || k.createdBy?.id === myUserId ? (
                  <Button variant="danger" disabled={busy} onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </Button>
                ) : (
                  <Badge tone="emerald">active</Badge>
                ),
            },
          ]}
        />
      )}
    </div>
  );
}
