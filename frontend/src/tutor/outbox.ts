// The learner's messages until the server has taken them: each keeps its client_id, so a
// resend after a reconnect is harmless (the server is idempotent by client_id).
import type { UserMessage } from "../contracts/tutor-client";

export class Outbox {
  private pending = new Map<string, UserMessage>();

  add(frame: UserMessage): void {
    this.pending.set(frame.client_id, frame);
  }

  /** The server took it (turn.started in reply to it, or it is in the log). */
  settle(clientId: string): void {
    this.pending.delete(clientId);
  }

  has(clientId: string): boolean {
    return this.pending.has(clientId);
  }

  frames(): UserMessage[] {
    return [...this.pending.values()];
  }
}

export function newClientId(): string {
  return crypto.randomUUID();
}
