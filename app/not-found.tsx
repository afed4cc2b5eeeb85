import Link from "next/link";

/** Every unknown address, and notFound() from any page. */
export default function NotFound() {
  return (
    <main className="mx-auto max-w-3xl px-4 py-16 text-center">
      <p className="text-sm font-semibold text-indigo-700">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">This page does not exist</h1>
      <p className="mt-2 text-slate-600">The address may be mistyped, or the model may be private to a team you are not in.</p>
      <div className="mt-6 flex justify-center gap-3 text-sm">
        <Link href="/" className="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500">
          Home
        </Link>
        <Link href="/browse" className="rounded-md px-4 py-2 font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white">
          Browse measurements
        </Link>
      </div>
    </main>
  );
}
