// The chat as a pure function of the tutor socket's events (SPEC 6): one item per
// turn_id, stored events deduplicated by seq, streamed text applied by offset.
import type {
  CitationOut, Feedback, HistoryItem, MasteryItem, Person, QuestionOut, ServerEvent, SessionInfo,
} from "../contracts/tutor-server";

/** Someone in a shared session (SPEC 11), with their role in it. */
export type Participant = Person;
export type MemberRole = Person["role"];

export type ItemStatus = "sending" | "streaming" | "complete" | "cancelled" | "failed";

export type ChatItem = {
  key: string;
  role: "learner" | "tutor" | "system";
  kind: string;
  status: ItemStatus;
  text: string;
  turnId?: string;
  clientId?: string;
  citations: CitationOut[];
  question?: QuestionOut;
  feedback?: Feedback;
  error?: string;
  /** The person who wrote a learner item; for a tutor turn, the person who asked for it. */
  author?: Participant;
  /** Streamed pieces that arrived ahead of the text they continue: offset -> text. */
  ahead?: Record<number, string>;
};

export type ChatState = {
  items: ChatItem[];
  lastSeq: number;
  session: SessionInfo | null;
  focus: Record<string, unknown> | null;
  mastery: MasteryItem[];
  pendingQuestion: QuestionOut | null;
  feedback: Record<number, Feedback>;
  runningTurn: string | null;
  ended: string | null;
  notice: string;
  /** This user's role in the session, from session.state (null until it comes). */
  role: MemberRole | null;
  /** Everyone connected now (session.state, then each presence frame). */
  participants: Participant[];
};

export type LocalAction =
  | { type: "local.send"; clientId: string; text: string }
  | { type: "local.failed"; clientId: string; reason: string };

export const initialChat: ChatState = {
  items: [], lastSeq: 0, session: null, focus: null, mastery: [], pendingQuestion: null,
  feedback: {}, runningTurn: null, ended: null, notice: "", role: null, participants: [],
};

type Frame = ServerEvent | { type: "pong" };

function fromHistory(h: HistoryItem): ChatItem {
  return {
    key: h.role === "learner" && h.client_id ? h.client_id : h.turn_id || `seq${h.seq}`,
    role: h.role, kind: h.kind, status: h.status, text: h.text,
    turnId: h.turn_id || undefined, clientId: h.client_id ?? undefined,
    citations: (h.citations ?? []) as unknown as CitationOut[], author: h.author ?? undefined,
  };
}

/** Apply one piece of a turn's text at its offset: idempotent, and a piece beyond the
 * end waits (in `ahead`) until the text before it arrives or turn.completed replaces it. */
export function applyDelta(item: ChatItem, offset: number, text: string): ChatItem {
  if (offset > item.text.length) return { ...item, ahead: { ...item.ahead, [offset]: text } };
  let merged = offset + text.length > item.text.length ? item.text.slice(0, offset) + text : item.text;
  const ahead = { ...item.ahead };
  for (let next = ahead[merged.length]; next !== undefined; next = ahead[merged.length]) {
    delete ahead[merged.length];
    merged += next;
  }
  for (const key of Object.keys(ahead)) {
    const at = Number(key);
    if (at + ahead[at].length <= merged.length) delete ahead[at];
  }
  return { ...item, text: merged, ahead: Object.keys(ahead).length ? ahead : undefined };
}

function upsertTurn(state: ChatState, turnId: string, change: (item: ChatItem) => ChatItem): ChatState {
  const i = state.items.findIndex((it) => it.turnId === turnId && it.role !== "learner");
  const base: ChatItem = i >= 0 ? state.items[i]
    : { key: turnId, role: "tutor", kind: "message", status: "streaming", text: "", turnId, citations: [] };
  const items = [...state.items];
  if (i >= 0) items[i] = change(base);
  else items.push(change(base));
  return { ...state, items };
}

function updateLearner(state: ChatState, clientId: string, change: Partial<ChatItem>): ChatState {
  return { ...state, items: state.items.map((it) => (it.role === "learner" && it.clientId === clientId ? { ...it, ...change } : it)) };
}

function fromState(state: ChatState, ev: Extract<ServerEvent, { type: "session.state" }>): ChatState {
  const items = ev.history.map(fromHistory);
  // The learner's messages not yet in the log stay, still "sending" (the outbox resends them).
  const known = new Set(items.map((it) => it.clientId).filter(Boolean));
  const unsent = state.items.filter((it) => it.role === "learner" && it.status === "sending" && !known.has(it.clientId));
  const pending = ev.pending_question ?? null;
  if (pending) {
    const at = items.map((it) => it.kind).lastIndexOf("question");
    if (at >= 0) items[at] = { ...items[at], question: pending };
    else items.push({ key: `q${pending.id}`, role: "tutor", kind: "question", status: "complete", text: pending.prompt, citations: [], question: pending });
  }
  const running = ev.history.find((h) => h.status === "streaming");
  return {
    ...state, items: [...items, ...unsent], lastSeq: Math.max(ev.last_seq, ev.seq), session: ev.session,
    focus: ev.focus ?? null, mastery: ev.mastery, pendingQuestion: pending, runningTurn: running?.turn_id ?? null,
    ended: ev.session.status === "active" ? null : state.ended ?? "queued",
    role: ev.role, participants: ev.participants,
  };
}

export function reduce(state: ChatState, ev: Frame | LocalAction): ChatState {
  switch (ev.type) {
    case "local.send":
      return { ...state, notice: "", items: [...state.items, { key: ev.clientId, clientId: ev.clientId, role: "learner", kind: "message", status: "sending", text: ev.text, citations: [] }] };
    case "local.failed":
      return updateLearner(state, ev.clientId, { status: "failed", error: ev.reason });
    case "pong":
      return state;
    case "presence":
      return { ...state, participants: ev.participants };
    case "text.delta":
      return upsertTurn(state, ev.turn_id, (it) => applyDelta(it, ev.offset, ev.text));
  }
  if (ev.type === "session.state") return fromState(state, ev);
  if (ev.seq !== null) { // null: an error to this socket alone, not stored (a viewer's write)
    if (ev.seq <= state.lastSeq) return state; // replayed or already seen
    state = { ...state, lastSeq: ev.seq };
  }
  switch (ev.type) {
    case "turn.started": {
      const { asked_by: askedBy, text } = ev;
      // Someone else's message (or this user's from another tab) arrives with its turn.
      const mine = state.items.some((it) => it.role === "learner" && it.clientId === ev.in_reply_to);
      const next = mine || !text
        ? updateLearner(state, ev.in_reply_to, { status: "complete", error: undefined })
        : { ...state, items: [...state.items, {
          key: ev.in_reply_to, clientId: ev.in_reply_to, role: "learner" as const, kind: "message", status: "complete" as const,
          text, citations: [], author: askedBy ?? undefined,
        }] };
      return { ...upsertTurn(next, ev.turn_id, (it) => (askedBy ? { ...it, author: askedBy } : it)), runningTurn: ev.turn_id };
    }
    case "turn.completed":
      return {
        ...upsertTurn(state, ev.turn_id, (it) => ({
          ...it, text: ev.content.text, status: ev.status, kind: ev.kind, citations: ev.citations, ahead: undefined,
        })),
        runningTurn: state.runningTurn === ev.turn_id ? null : state.runningTurn,
        // Feedback on the waiting question without a grade closes it too (`next` over it: skipped);
        // a hint on it names it and leaves it waiting.
        pendingQuestion: ev.kind === "feedback" && ev.content.question_id === state.pendingQuestion?.id
          ? null : state.pendingQuestion,
      };
    case "question":
      return { ...upsertTurn(state, ev.turn_id, (it) => ({ ...it, kind: "question", question: ev.question })), pendingQuestion: ev.question };
    case "feedback": {
      const next = upsertTurn(state, ev.turn_id, (it) => ({ ...it, kind: "feedback", feedback: ev }));
      return {
        ...next, feedback: { ...state.feedback, [ev.question_id]: ev },
        pendingQuestion: state.pendingQuestion?.id === ev.question_id ? null : state.pendingQuestion,
      };
    }
    case "mastery.updated": {
      const mastery = [...state.mastery];
      for (const c of ev.changes) {
        const i = mastery.findIndex((m) => m.concept === c.concept);
        if (i >= 0) mastery[i] = { ...mastery[i], p_known: c.after };
        else mastery.push({ concept: c.concept, p_known: c.after, attempts: 1, correct: 0 });
      }
      return { ...state, mastery };
    }
    case "error": {
      if (ev.turn_id) return upsertTurn(state, ev.turn_id, (it) => ({ ...it, error: ev.message }));
      const learner = ev.in_reply_to && state.items.some((it) => it.clientId === ev.in_reply_to);
      if (learner && ev.code === "duplicate_message") return updateLearner(state, ev.in_reply_to!, { status: "complete" });
      if (learner) return updateLearner(state, ev.in_reply_to!, { status: "failed", error: ev.message });
      return { ...state, notice: ev.message };
    }
    case "session.ended":
      return { ...state, ended: ev.analysis_status, session: state.session && { ...state.session, status: "ended" } };
    default:
      return state; // board.updated (the board shows it), document.progress: nothing for the chat
  }
}
