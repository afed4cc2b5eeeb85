/**
 * Reading a model upload from a Request: a raw body (application/octet-stream, application/onnx or no
 * content type) or multipart/form-data with the file in field "file". The size limit is enforced from
 * Content-Length before reading and again while streaming, so an oversized upload is refused with 413
 * without being buffered whole.
 */
import { NnlqError } from "@/lib/errors";

const RAW_TYPES = ["application/octet-stream", "application/onnx", "application/x-onnx", ""];

function tooLarge(limit: number): NnlqError {
  return new NnlqError(
    "PAYLOAD_TOO_LARGE",
    `The upload exceeds the ${limit}-byte limit (${Math.round(limit / 2 ** 20)} MiB); strip the weights first (nnlq query does)`,
    {
      limitBytes: limit,
    },
  );
}

async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let n = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

export async function readUpload(req: Request, limit: number): Promise<{ bytes: Uint8Array; filename?: string }> {
  const declared = Number(req.headers.get("content-length"));
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  // multipart framing adds a little; allow 1 MiB of it
  if (Number.isFinite(declared) && declared > limit + (type === "multipart/form-data" ? 2 ** 20 : 0)) throw tooLarge(limit);
  if (type === "multipart/form-data") {
    let form: FormData;
    try {
      form = await req.formData();
    } catch {
      throw new NnlqError("BAD_REQUEST", "Malformed multipart/form-data body");
    }
    const file = form.get("file");
    if (!file || typeof file === "string") {
      throw new NnlqError("BAD_REQUEST", "The multipart body needs the ONNX file in a field named 'file'");
    }
    if (file.size > limit) throw tooLarge(limit);
    return { bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name || undefined };
  }
  if (!RAW_TYPES.includes(type)) {
    throw new NnlqError("UNSUPPORTED_MEDIA", `Send the model as application/octet-stream or multipart/form-data, not ${type}`);
  }
  return { bytes: await readLimited(req.body, limit) };
}
