/**
 * Reloads the route's data every `everyMs` while `enabled` and the page is visible (one reload at a
 * time). Pages use it for live funding and training progress; an action uses it to wait for the indexer
 * to show what its transaction did. Browser-only (an effect).
 */
import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";

export const LIVE_EVERY_MS = 5_000;

export function useLiveUpdates(enabled: boolean, everyMs = LIVE_EVERY_MS): void {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  latest.current = revalidator;
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && latest.current.state === "idle")
        latest.current.revalidate();
    }, everyMs);
    return () => clearInterval(timer);
  }, [enabled, everyMs]);
}
