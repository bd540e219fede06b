import { createActor, toPromise, type AnyActorLogic } from 'xstate';
import type { ActorName, ActorOutcome, PendingActor, TicketMachine } from '../../machines/index.ts';

/** The failure an actor rejected with, or one made from an unexpected error. */
function failureOf(error: unknown, model: string) {
  if (typeof error === 'object' && error !== null && 'reason' in error && 'latencyMs' in error) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: 'error', message: message.slice(0, 500), model, latencyMs: 0 };
}

/**
 * Runs the actor a ticket's state invokes, from the machine that provides its implementation,
 * and returns its outcome in the form its done or error event records; null when `stop` fires
 * first (the actor is stopped, which aborts its model call, and its step is left to be resumed).
 */
export async function runInvokedActor(
  machine: TicketMachine,
  pending: PendingActor,
  options: { stop: AbortSignal; modelName: string },
): Promise<ActorOutcome<ActorName> | null> {
  // The provided machine's implementation of the invoked actor (XState types it loosely).
  const logic = machine.implementations.actors[pending.src] as AnyActorLogic;
  const actor = createActor(logic, { input: pending.input });
  let onStop = () => {};
  const stopped = new Promise<null>((resolve) => {
    onStop = () => resolve(null);
    options.stop.addEventListener('abort', onStop, { once: true });
  });
  actor.start();
  try {
    const output = await Promise.race([toPromise(actor), stopped]);
    // The outcome's type follows from the actor's name; XState's `toPromise` loses it.
    return output === null ? null : ({ ok: true, output } as ActorOutcome<ActorName>);
  } catch (error) {
    const failure = failureOf(error, options.modelName);
    return { ok: false, error: failure } as ActorOutcome<ActorName>;
  } finally {
    options.stop.removeEventListener('abort', onStop);
    actor.stop();
  }
}
