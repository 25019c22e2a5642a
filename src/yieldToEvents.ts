// One turn of the event loop (Node and the web page): a long CPU loop awaits it between steps so that signal handlers,
// timers and the page's events get in (Ctrl-C ends a command at once, a page stays responsive).

/** Node's setImmediate where there is one (the page's lib has no such name). */
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/** Resolves after the events already queued have run (setImmediate in Node, a zero timeout in a browser). */
export function yieldToEvents(): Promise<void> {
  if (immediate) return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}
