import { SigninForm } from "@/components/auth/signin-form";

export const metadata = { title: "Sign in — nnlq" };

export default async function SigninPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  return (
    <main className="mx-auto max-w-md px-4 py-12">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">Sign in to nnlq</h1>
      <div className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        <SigninForm callbackUrl={callbackUrl} />
      </div>
    </main>
  );
}
