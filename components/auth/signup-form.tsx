"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import Link from "next/link";
import { signIn } from "next-auth/react";
import { signupBody } from "@/lib/api/schemas";
import { PASSWORD_RULE } from "@/lib/auth/password-policy";
import { api, ApiError } from "@/components/api-client";
import { Alert, Button, Field } from "@/components/ui";

export function SignupForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const input = {
      name: String(form.get("name") ?? ""),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    };
    const parsed = signupBody.safeParse(input);
    if (!parsed.success) {
      const f: Record<string, string> = {};
      for (const i of parsed.error.issues) f[String(i.path[0])] ??= i.message;
      setFields(f);
      setError("Please fix the highlighted fields.");
      return;
    }
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await api("/api/v1/auth/signup", { method: "POST", body: input });
      const res = await signIn("credentials", { email: input.email, password: input.password, redirect: false });
      if (res?.error) throw new Error("Your account was created, but signing in failed; try the sign-in page.");
      router.push("/teams");
      router.refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      if (err instanceof ApiError && err.fields) setFields(err.fields);
      setBusy(false);
    }
  }

  const msg = (k: string) => fields[k] && <p className="mt-1 text-xs text-red-700">{fields[k]}</p>;
  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label="Sign up">
      {error && <Alert>{error}</Alert>}
      <div>
        <Field id="name" name="name" label="Name" autoComplete="name" required />
        {msg("name")}
      </div>
      <div>
        <Field id="email" name="email" type="email" label="Email" autoComplete="email" required />
        {msg("email")}
      </div>
      <div>
        <Field
          id="password"
          name="password"
          type="password"
          label="Password"
          autoComplete="new-password"
          hint={`Use ${PASSWORD_RULE}.`}
          required
        />
        {msg("password")}
      </div>
      <Button type="submit" disabled={busy} className="w-full">
        {busy ? "Creating account…" : "Create account"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Already have an account?{" "}
        <Link href="/signin" className="font-medium text-indigo-700 hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
