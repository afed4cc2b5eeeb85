"use client";
/** Team roster: roles, add by email, change role, remove / leave. Admin controls show for admins. */
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { api } from "@/components/api-client";
import { Alert, Badge, Button, Field, Select } from "@/components/ui";
import { Table } from "@/components/ui/table";

type Role = "member" | "admin" | "owner";
export interface MemberRow {
  userId: number;
  email: string;
  name: string;
  role: Role;
}

const ROLE_TONE = { owner: "indigo", admin: "amber", member: "slate" } as const;

export function MembersPanel({
  teamId,
  members,
  myRole,
  myUserId,
}: {
  teamId: number;
  members: MemberRow[];
  myRole: Role;
  myUserId: number;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canManage = myRole === "admin" || myRole === "owner";

  async function run(action: () => Promise<unknown>, ok: string) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await action();
      setNotice(ok);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  function onAdd(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const email = String(data.get("email") ?? "");
    void run(async () => {
      await api(`/api/v1/teams/${teamId}/members`, { method: "POST", body: { email, role: String(data.get("role")) } });
      form.reset();
    }, `Added ${email}.`);
  }

  return (
    <div className="space-y-4">
      {error && <Alert>{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      <Table
        aria-label="Team members"
        density="airy"
        scopeCols
        rows={members}
        rowKey={(m) => m.userId}
        rowProps={(m) => ({ "data-testid": `member-${m.email}` })}
        columns={[
          {
            header: "Member",
            cell: (m) => (
              <>
                <div className="font-medium text-slate-900">
                  {m.name} {m.userId === myUserId && <span className="text-slate-400">(you)</span>}
                </div>
                <div className="text-slate-500">{m.email}</div>
              </>
            ),
          },
          {
            header: "Role",
            cell: (m) =>
              canManage && (m.role !== "owner" || myRole === "owner") ? (
                <label className="inline-flex items-center gap-2">
                  <span className="sr-only">Role of {m.email}</span>
                  <select
                    value={m.role}
                    disabled={busy}
                    onChange={(e) =>
                      void run(
                        () => api(`/api/v1/teams/${teamId}/members/${m.userId}`, { method: "PATCH", body: { role: e.target.value } }),
                        `${m.email} is now ${e.target.value}.`,
                      )
                    }
                    className="rounded-md border-0 py-1 pr-7 pl-2 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600"
                  >
                    <option value="member">member</option>
                    <option value="admin">admin</option>
                    {myRole === "owner" && <option value="owner">owner</option>}
                  </select>
                </label>
              ) : (
                <Badge tone={ROLE_TONE[m.role]}>{m.role}</Badge>
              ),
          },
          {
            header: <span className="sr-only">Actions</span>,
            align: "right",
            cell: (m) => {
              const self = m.userId === myUserId;
              const editable = canManage && (m.role !== "owner" || myRole === "owner");
              return (
                (editable || self) && (
                  <Button
                    variant="danger"
                    disabled={busy}
                    aria-label={self ? "Leave team" : `Remove ${m.email}`}
                    onClick={() =>
                      void run(
                        async () => {
                          await api(`/api/v1/teams/${teamId}/members/${m.userId}`, { method: "DELETE" });
                          if (self) router.push("/teams");
                        },
                        self ? "You left the team." : `Removed ${m.email}.`,
                      )
                    }
                  >
                    {self ? "Leave" : "Remove"}
                  </Button>
                )
              );
            },
          },
        ]}
      />

      {canManage && (
        <form
          onSubmit={onAdd}
          className="grid gap-3 border-t border-slate-100 pt-4 sm:grid-cols-[1fr_10rem_auto] sm:items-end"
          aria-label="Add a member"
        >
          <Field id="member-email" name="email" type="email" label="Add member by email" placeholder="colleague@example.org" required />
          <Select id="member-role" name="role" label="Role" defaultValue="member">
            <option value="member">member</option>
            <option value="admin">admin</option>
            {myRole === "owner" && <option value="owner">owner</option>}
          </Select>
          <Button type="submit" disabled={busy}>
            Add member
          </Button>
        </form>
      )}
    </div>
  );
}
