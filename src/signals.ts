// Ctrl-C and kill: a signal ends a megc command at once with 128 + its number (SIGINT 130, SIGTERM 143, SIGHUP 129;
// 'exit' handlers remove temporaries and release locks), unless a long step has opened a StopRequest: then the first
// SIGINT or SIGTERM asks that step to stop at its next safe point, and a second one exits at once. "At once" needs the
// event loop: long CPU loops await yieldToEvents() (src/yieldToEvents.ts) between steps. An open ExitNotice says, as
// the command exits, what it keeps.

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = 'SIGINT' | 'SIGTERM';
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

const open = new Set<StopRequest>();
const notices = new Set<ExitNotice>();
let exitByDefault = false;
let listening = false;

function exitAtOnce(name: HandledSignal, again: boolean): never {
  if (again) process.stderr.write(`\nmegc: ${name} again: exiting without writing\n`);
  else if (notices.size > 0) process.stderr.write(`\nmegc: ${name}: ${[...notices].at(-1)!.text}\n`);
  process.exit(SIGNAL_EXIT_CODES[name]);
}

function onSignal(name: HandledSignal): void {
  const requests = [...open];
  const pending = requests.some((r) => r.signal !== null);
  if (name === 'SIGHUP' || requests.length === 0 || pending) exitAtOnce(name, pending);
  for (const request of requests) request.signal = name as StopSignal;
  process.stderr.write(`\nmegc: ${name}: ${requests[requests.length - 1].notice} (again to exit at once)\n`);
}

const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM'), SIGHUP: () => onSignal('SIGHUP') };

function listen(on: boolean): void {
  if (on === listening) return;
  listening = on;
  for (const [name, handler] of Object.entries(handlers)) {
    if (on) process.on(name, handler); else process.off(name, handler);
  }
}

/** Ends the process as `name` arriving with no StopRequest open would: 128 + its number, after the 'exit' handlers. */
export function exitForSignal(name: StopSignal): never {
  exitAtOnce(name, false);
}

/** For the CLI: from now on a signal ends the process with 130 / 143 / 129 (after the 'exit' handlers' clean-up). */
export function exitOnSignals(): void {
  exitByDefault = true;
  listen(true);
}

/**
 * While open, the first SIGINT or SIGTERM sets `signal` instead of ending the process; the step polls it and stops at
 * a safe point. Close it when the step ends (a library caller without exitOnSignals gets the default handling back).
 */
export class StopRequest {
  signal: StopSignal | null = null;

  /** `notice`: what happens now, e.g. "finishing the chunk in flight, then writing the checkpoint". */
  constructor(readonly notice: string) {
    open.add(this);
    listen(true);
  }

  close(): void {
    open.delete(this);
    if (open.size === 0 && !exitByDefault) listen(false);
  }
}

/** While open, a signal that ends the command at once first prints `megc: SIGNAL: text` (what is kept, what is not). */
export class ExitNotice {
  constructor(readonly text: string) {
    notices.add(this);
  }

  close(): void {
    notices.delete(this);
  }
}
