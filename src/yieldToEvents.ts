// One turn of the event loop (Node and the web page): a long CPU loop awaits it between steps so that signal handlers,
// timers and the page's events get in (Ctrl-C ends a command at once, a page stays responsive).

/** Resolves after the events already queued have run (setImmediate in Node, a zero timeout in a browser). */
export function yieldToEvents(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}
