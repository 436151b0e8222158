/** How often the parent is checked: a run whose parent died must stop within about a second. */
const POLL_MS = 100;

/**
 * Calls onGone once when the process that started us is gone. A wrapper such as `npx` or
 * `npm exec` that is killed does not pass the signal on, and nobody tells us: we only notice
 * that we were reparented (to init or a subreaper), i.e. that process.ppid changed.
 * Returns a function that stops watching. The timer does not keep the process alive.
 */
export function watchParent(onGone: () => void, pollMs: number = POLL_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
