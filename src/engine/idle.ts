import type { Engine } from "./engine.ts";

/**
 * Stops the engine after `minutes` with no client and nothing queued (`engine.idleMinutes`);
 * 0 means never, as on the appliance. Returns how to stop watching.
 */
export function exitWhenIdle(engine: Engine, minutes: number, onIdle: () => void): () => void {
  if (minutes <= 0) return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = engine.watch(() => {
    if (!engine.idle) {
      clearTimeout(timer);
      timer = undefined;
    } else if (!timer) {
      timer = setTimeout(() => {
        engine.app.logger.log.info("engine idle", { minutes });
        onIdle();
      }, minutes * 60_000);
    }
  });
  return () => {
    clearTimeout(timer);
    stop();
  };
}
