/** Types of scripts/web-server.mjs (plain JavaScript so the server runs without the tsx loader). */
import type { IncomingMessage } from "node:http";

export const REMOTE_ADDR_HEADER: "x-nnlq-remote-addr";
export function stampRemoteAddress(req: Pick<IncomingMessage, "headers" | "rawHeaders"> & { socket: { remoteAddress?: string } }): void;
