/** An id from a URL segment or query parameter: digits only, 1 … 2³¹−1 (an int column), else null. */
export function parseId(raw: string | null | undefined): number | null {
  if (!raw || !/^[1-9]\d{0,9}$/.test(raw)) return null;
  const id = Number(raw);
  return id <= 2 ** 31 - 1 ? id : null;
}

/** A model id (/models/<id>, /query?model=<id>). */
export const parseModelId = parseId;
