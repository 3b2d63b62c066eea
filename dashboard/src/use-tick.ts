import { useEffect, useState } from 'preact/hooks';

/** A count that goes up every `everyMs` while `on`: a load that depends on it is read again. */
export function useTick(everyMs: number, on = true): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setTick((n) => n + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, on]);
  return tick;
}
