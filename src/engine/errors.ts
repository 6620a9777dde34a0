/**
 * What can go wrong between a client and the engine. Each message is one line an operator can
 * act on; the client then says it and runs in-process, or retries.
 */

/** No engine could be reached or started (the message says why). */
export class EngineUnavailableError extends Error {
  override name = "EngineUnavailableError";
}

/** The engine went away in the middle of a request (killed, crashed, restarted). */
export class EngineLostError extends Error {
  override name = "EngineLostError";
  constructor(detail: string) {
    super(`the engine went away (${detail})`);
  }
}

/** The engine answered a request with an error status; the message is the engine's own line. */
export class EngineRequestError extends Error {
  override name = "EngineRequestError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
