/** What a finished process wrote and how it exited. */
export interface ProcessOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Waits for a process spawned with piped stdout and stderr. Both are read while it runs, so a
 * process that fills one pipe cannot stall waiting for a reader.
 */
export async function collectOutput(proc: {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  exited: Promise<number>;
}): Promise<ProcessOutput> {
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
