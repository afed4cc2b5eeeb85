/** Who is calling: a signed-in user (session cookie) or a team API key acting for its creator. */
import type { PublicUser } from "@/lib/db/users";

export interface Principal {
  user: PublicUser;
  via: "session" | "api-key";
  /** set when via = "api-key": the key can act only inside this team, with member rights */
  apiKey?: { id: number; teamId: number; prefix: string };
}
