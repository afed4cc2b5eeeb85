import { platformsWithStatus } from "@/lib/services/pages";
import { PlatformsBoard } from "@/components/latency/platforms-board";
import { PageHeader } from "@/components/ui";

export const metadata = { title: "Platforms — nnlq" };
export const dynamic = "force-dynamic"; // live device status

export default async function PlatformsPage() {
  const platforms = await platformsWithStatus();
  return (
    <main className="mx-auto max-w-6xl px-4 py-10">
      <PageHeader
        title="Platforms"
        subtitle="A platform is hardware × runtime × precision × threads plus the conversion passes that produce its executable model. Devices are the workers that measure on it."
      />
      <PlatformsBoard initial={platforms} />
    </main>
  );
}
