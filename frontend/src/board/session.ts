// The board's shared document over the stock y-websocket provider (SPEC 7): objects in
// Y.Map("objects"), pointers in Y.Map("ephemeral"), cursors and presence in awareness.
// The learner's own writes carry a local origin so Y.UndoManager undoes only them.
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { accessToken, refreshAccess } from "../api/http";
import type { BoardObject } from "./spec";
import { invalidReason } from "./validate";

export const LOCAL = Symbol("learner");
export type BoardStatus = "connecting" | "connected" | "disconnected" | "signed-out" | "closed";
export type Peer = {
  clientId: number; name: string; role?: string; color: string; cursor: { x: number; y: number } | null; tool?: string;
};

const COLORS = ["#b91c1c", "#1d4ed8", "#047857", "#7c3aed", "#b45309", "#be185d", "#0e7490"];

/** A person's colour: their cursor on the board and their mark in the presence list. */
export const userColor = (userId: number): string => COLORS[userId % COLORS.length];

export class BoardSession {
  readonly doc = new Y.Doc();
  readonly objects = this.doc.getMap<BoardObject>("objects");
  readonly ephemeral = this.doc.getMap<Record<string, unknown>>("ephemeral");
  readonly undo = new Y.UndoManager(this.objects, { trackedOrigins: new Set([LOCAL]), captureTimeout: 0 });
  provider: WebsocketProvider | null = null;
  private counter = 0;
  private lastCursor = 0;
  private cursorTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshed = false;
  private role = "owner";

  constructor(
    private readonly sessionId: number,
    private readonly user: { id: number; name: string },
    private readonly onStatus: (status: BoardStatus) => void,
  ) {}

  async start(): Promise<void> {
    const token = await accessToken();
    if (!token) return this.onStatus("signed-out");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // Room "<id>/": the route ends in a slash.
    const provider = new WebsocketProvider(`${scheme}://${location.host}/ws/whiteboard`, `${this.sessionId}/`, this.doc, {
      params: { token }, disableBc: true,
    });
    this.provider = provider;
    addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.wake);
    provider.awareness.setLocalState({
      // The server sets `name` and `role` from the signed-in member in what it relays.
      user: { id: this.user.id, name: this.user.name, color: userColor(this.user.id) }, cursor: null, tool: "move",
    });
    provider.on("status", ({ status }: { status: string }) => {
      if (status === "connected") {
        this.refreshed = false;
        // Re-announce presence after a reconnect, so the others see this learner again.
        provider.awareness.setLocalState(provider.awareness.getLocalState());
        return; // "connected" is reported once the document is in sync
      }
      this.onStatus(status as BoardStatus);
    });
    provider.on("sync", (synced: boolean) => this.onStatus(synced ? "connected" : "connecting"));
    provider.on("closed", async (close: { code: number }) => {
      if (close.code === 4401 && !this.refreshed) {
        this.refreshed = true;
        const fresh = await refreshAccess().catch(() => null);
        if (!fresh) return this.onStatus("signed-out");
        provider.params = { token: fresh };
        provider.connect();
        return;
      }
      this.onStatus(close.code === 4401 ? "signed-out" : "closed");
    });
  }

  stop(): void {
    clearTimeout(this.cursorTimer);
    removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.wake);
    this.provider?.awareness.setLocalState(null);
    this.provider?.destroy();
    this.doc.destroy();
  }

  /** Back online or the tab visible again: reconnect now rather than after the provider's backoff. */
  private wake = () => {
    if (document.visibilityState !== "hidden") this.reconnect();
  };

  reconnect(): void {
    const p = this.provider;
    if (p && !p.wsconnected && !p.wsconnecting) p.connect();
  }

  newId(kind: string): string {
    return `u${this.user.id}-${this.doc.clientID.toString(36)}-${Date.now().toString(36)}-${(this.counter++).toString(36)}-${kind}`;
  }

  /** This user's role in the session (from the tutor socket's session.state): a viewer writes nothing. */
  setRole(role: string): void {
    this.role = role;
  }

  /** Write (create or replace) a learner's object, once it passes the spec; else the reason. */
  write(obj: BoardObject): string | null {
    if (this.role === "viewer") return "viewers cannot draw"; // the server would drop it too
    const reason = invalidReason(obj, obj.id);
    if (reason) return reason;
    this.doc.transact(() => this.objects.set(obj.id, obj), LOCAL);
    return null;
  }

  remove(id: string): void {
    if (this.role === "viewer" || this.objects.get(id)?.metadata?.source !== "user") return; // the tutor's drawings stay
    this.doc.transact(() => this.objects.delete(id), LOCAL);
  }

  /** Cursor position in board units, at most ~20 per second; the last position of a
   * movement is always sent (a move inside the window is sent at its end). */
  cursor(at: { x: number; y: number } | null, tool: string): void {
    clearTimeout(this.cursorTimer);
    const wait = at ? this.lastCursor + 50 - performance.now() : 0;
    if (wait > 0) {
      this.cursorTimer = setTimeout(() => this.cursor(at, tool), wait);
      return;
    }
    this.lastCursor = performance.now();
    const awareness = this.provider?.awareness;
    if (!awareness) return;
    awareness.setLocalStateField("cursor", at);
    awareness.setLocalStateField("tool", tool);
  }

  peers(): Peer[] {
    const awareness = this.provider?.awareness;
    if (!awareness) return [];
    const out: Peer[] = [];
    awareness.getStates().forEach((state, clientId) => {
      if (clientId === awareness.clientID || !state?.user) return;
      out.push({
        clientId, name: String(state.user.name ?? "someone"), role: state.user.role ? String(state.user.role) : undefined,
        color: String(state.user.color ?? "#333"), cursor: state.cursor ?? null, tool: state.tool,
      });
    });
    return out;
  }
}
