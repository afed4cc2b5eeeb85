"use client";
/**
 * The 404 body of /models/[id] (unknown, private or non-numeric id): asks the API with the visitor's
 * session, so a member of the owning team sees their private model; anyone else reads "Model not found".
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { PrivateModel } from "@/components/portal/model-view";
import { parseModelId } from "@/components/portal/model-id";

export default function ModelNotFound() {
  const segment = usePathname()?.split("/")[2];
  const id = parseModelId(segment);
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <p className="mb-2 text-sm">
        <Link href="/browse" className="text-slate-500 hover:text-slate-800">
          ← Browse
        </Link>
      </p>
      <PrivateModel id={id} />
    </main>
  );
}
