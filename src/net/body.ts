// Reading an answer's body with a size limit: counted as it arrives (Content-Length may lie), and past
// the limit the stream is destroyed rather than read to its end. Events rather than `for await`:
// async iteration costs a promise per chunk, and the proxy reads a body per call.

export interface ReadBody {
  /** At most `limit` bytes: all of the body when `complete`, else its first `limit` bytes. */
  bytes: Buffer;
  complete: boolean;
}

type BodyStream = NodeJS.ReadableStream & { destroy(error?: Error): void };

export function readBody(body: BodyStream, limit: number): Promise<ReadBody> {
  return new Promise<ReadBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) {
        chunks.push(chunk.subarray(0, limit - size));
        size = limit;
        body.off('data', onData);
        body.destroy();
        resolve({ bytes: Buffer.concat(chunks, size), complete: false });
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    body.on('data', onData);
    body.once('end', () => resolve({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), complete: true }));
    body.once('error', reject);
  });
}
