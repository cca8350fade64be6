/** Minimal multipart/form-data parsing for the emulator's media/upload (one small request at a time). */

export interface MultipartPart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** Parses a multipart body; returns null when the content type or structure is not multipart. */
export function parseMultipart(contentType: string | undefined, body: Buffer): MultipartPart[] | null {
  const match = /multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) return null;
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString() === "--") return parts;
    // Skip the CRLF after the delimiter.
    position += 2;
    const next = body.indexOf(delimiter, position);
    if (next < 0) return null;
    // The part ends with CRLF before the next delimiter.
    const raw = body.subarray(position, next - 2);
    const headerEnd = raw.indexOf("\r\n\r\n");
    if (headerEnd < 0) return null;
    const headers = raw.subarray(0, headerEnd).toString("utf8");
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? "";
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) return null;
    parts.push({
      name,
      filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(),
      data: Buffer.from(raw.subarray(headerEnd + 4)),
    });
    position = next;
  }
}
