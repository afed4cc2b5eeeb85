import { SignupForm } from "@/components/auth/signup-form";

export const metadata = { title: "Sign up — nnlq" };

export default function SignupPage() {
  return (
    <main className="mx-auto max-w-md px-4 py-12">
      <h1 className="text-2xl font-semibold tracking-tight">Create your nnlq account</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">Teams share private models, measurement quotas and API keys.</p>
      <div className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        <SignupForm />
      </div>
    </main>
  );
}
