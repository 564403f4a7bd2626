// One tutor socket per Learn page: connecting -> open -> closed(code) -> waiting(backoff)
// -> connecting. First connect: the server greets with session.state. Every reconnect:
// hello {resume_from: last_seq} first, then the outbox again.
import { accessToken, refreshAccess } from "../api/http";
import type { ClientFrame } from "../contracts/tutor-client";
import type { ServerEvent } from "../contracts/tutor-server";
import { backoff, isFinal } from "./backoff";
import { Outbox } from "./outbox";

export type SocketStatus = "connecting" | "open" | "waiting" | "signed-out" | "forbidden" | "missing" | "closed";
type Incoming = ServerEvent | { type: "pong" };

const PING_MS = 20_000;
const SILENCE_MS = 45_000;

export class TutorSocket {
  readonly outbox = new Outbox();
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ping: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private refreshed = false;
  private stopped = false;

  constructor(
    private readonly sessionId: number,
    private readonly lastSeq: () => number,
    private readonly onFrame: (frame: Incoming) => void,
    private readonly onStatus: (status: SocketStatus) => void,
  ) {
    addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.wake);
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.wake);
    this.clearTimers();
    this.ws?.close(1000);
  }

  /** Send a frame if connected; user messages also wait in the outbox until taken. */
  send(frame: ClientFrame): boolean {
    if (frame.type === "user.message") this.outbox.add(frame);
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Reconnect now (the `online` event, the tab becoming visible, the badge's button). */
  private wake = () => {
    if (document.visibilityState === "hidden" || this.stopped) return;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.attempt = 0;
    if (this.timer) clearTimeout(this.timer);
    void this.connect();
  };

  retry(): void {
    this.refreshed = false;
    this.wake();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.onStatus("connecting");
    const token = await accessToken().catch(() => null);
    if (!token) return this.onStatus("signed-out");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/tutor/${this.sessionId}/?token=${encodeURIComponent(token)}`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.lastFrameAt = Date.now();
      const seq = this.lastSeq();
      if (seq > 0) ws.send(JSON.stringify({ type: "hello", resume_from: seq }));
      for (const frame of this.outbox.frames()) ws.send(JSON.stringify(frame));
      this.onStatus("open");
      this.ping = setInterval(() => this.keepAlive(), PING_MS / 4);
    };
    ws.onmessage = (e) => {
      this.lastFrameAt = Date.now();
      let frame: Incoming;
      try {
        frame = JSON.parse(e.data as string);
      } catch {
        return;
      }
      this.refreshed = false;
      if (frame.type === "turn.started") this.outbox.settle(frame.in_reply_to);
      if (frame.type === "session.state") frame.history.forEach((h) => h.client_id && this.outbox.settle(h.client_id));
      if (frame.type === "error" && frame.code === "duplicate_message" && frame.in_reply_to) this.outbox.settle(frame.in_reply_to);
      this.onFrame(frame);
    };
    ws.onclose = (e) => this.closed(ws, e.code);
  }

  private keepAlive(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const quiet = Date.now() - this.lastFrameAt;
    if (quiet > SILENCE_MS) return ws.close(4000); // a dead link: onclose reconnects
    if (quiet > PING_MS) ws.send(JSON.stringify({ type: "ping" }));
  }

  private async closed(ws: WebSocket, code: number): Promise<void> {
    if (ws !== this.ws) return;
    this.clearTimers();
    this.ws = null;
    if (this.stopped) return this.onStatus("closed");
    if (code === 4401) {
      // Refresh once; if the server refuses the fresh token as well, the learner is signed out.
      const token = this.refreshed ? null : await refreshAccess().catch(() => null);
      this.refreshed = true;
      if (!token) return this.onStatus("signed-out");
      return void this.connect();
    }
    if (code === 4403) return this.onStatus("forbidden");
    if (code === 4404) return this.onStatus("missing");
    if (isFinal(code)) return this.onStatus("closed");
    this.onStatus("waiting");
    this.timer = setTimeout(() => void this.connect(), backoff(this.attempt++));
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.ping) clearInterval(this.ping);
    this.timer = this.ping = null;
  }
}
