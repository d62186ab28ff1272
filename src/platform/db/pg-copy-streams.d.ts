// The part of pg-copy-streams (no bundled types) the database uses: a COPY … TO STDOUT as a readable stream.
declare module 'pg-copy-streams' {
  import type { Readable } from 'node:stream';
  import type { Submittable } from 'pg';
  export function to(statement: string, options?: { highWaterMark?: number }): Readable & Submittable;
}
