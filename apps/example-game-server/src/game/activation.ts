/** A tick, a timer or a player action reached a world that is not in play. */
export class WorldInactiveError extends Error {
  override readonly name = 'WorldInactiveError';
}

/**
 * Whether the world is in play. DESIGN §1: everything restored is inactive until the game
 * server activates it, so nothing may run on it before; the same holds for a fresh world until
 * the server has finished setting it up.
 */
export class ActivationGate {
  #active = false;

  get isActive(): boolean {
    return this.#active;
  }

  open(): void {
    this.#active = true;
  }

  close(): void {
    this.#active = false;
  }

  /** Throws WorldInactiveError unless the world is active; `what` names the refused action. */
  assertActive(what: string): void {
    if (!this.#active) throw new WorldInactiveError(`${what} refused: the world is not active (restore it, then activate it)`);
  }
}
