import { describe, expect, it } from "vitest";
import type { ServerEvent } from "../contracts/tutor-server";
import { applyDelta, initialChat, reduce, type ChatItem, type ChatState } from "../tutor/reducer";

const base: ChatItem = { key: "t1", role: "tutor", kind: "message", status: "streaming", text: "", turnId: "t1", citations: [] };
const run = (events: unknown[], state: ChatState = initialChat) => events.reduce<ChatState>((s, e) => reduce(s, e as ServerEvent), state);

const state = (seq: number, history: unknown[] = []) => ({
  type: "session.state", seq, session: { id: 1, status: "active", folder_id: 2 }, focus: null, plan: null,
  mastery: [], pending_question: null, history, last_seq: seq,
});

describe("text by offset", () => {
  it("appends in order and ignores a piece it already has", () => {
    let item = applyDelta(base, 0, "Photo");
    item = applyDelta(item, 5, "synthesis");
    item = applyDelta(item, 0, "Photo");
    item = applyDelta(item, 5, "synthesis");
    expect(item.text).toBe("Photosynthesis");
  });

  it("holds a piece beyond a gap until the text before it arrives", () => {
    let item = applyDelta(base, 5, "synthesis");
    expect(item.text).toBe("");
    item = applyDelta(item, 0, "Photo");
    expect(item.text).toBe("Photosynthesis");
    expect(item.ahead).toBeUndefined();
  });

  it("a resumed turn's offset-0 delta with all its text so far replaces nothing it should not", () => {
    let item = applyDelta(base, 0, "Light ");
    item = applyDelta(item, 0, "Light energy");
    expect(item.text).toBe("Light energy");
  });
});

describe("the chat reducer", () => {
  it("groups a turn's events into one item, turn.completed authoritative", () => {
    const s = run([
      state(1),
      { type: "turn.started", seq: 2, turn_id: "t1", in_reply_to: "next" },
      { type: "text.delta", turn_id: "t1", offset: 0, text: "Chloro" },
      { type: "text.delta", turn_id: "t1", offset: 20, text: "lost?" },
      { type: "turn.completed", seq: 3, turn_id: "t1", status: "complete", kind: "explanation",
        content: { text: "Chlorophyll is green. [1]" }, citations: [{ document_id: 1, chunk_id: 2, page: 3, quote: "green" }] },
    ]);
    expect(s.items).toHaveLength(1);
    expect(s.items[0]).toMatchObject({ text: "Chlorophyll is green. [1]", status: "complete", kind: "explanation" });
    expect(s.items[0].ahead).toBeUndefined();
    expect(s.runningTurn).toBeNull();
    expect(s.lastSeq).toBe(3);
  });

  it("drops stored events it has already seen (replay after a reconnect)", () => {
    const events = [
      state(1),
      { type: "turn.started", seq: 2, turn_id: "t1", in_reply_to: "next" },
      { type: "turn.completed", seq: 3, turn_id: "t1", status: "complete", kind: "message", content: { text: "Hi" }, citations: [] },
      { type: "mastery.updated", seq: 4, turn_id: "t1", changes: [{ concept: "light", before: 0.2, after: 0.5 }] },
    ];
    const once = run(events);
    const twice = run(events.slice(1), once);
    expect(twice.items).toHaveLength(1);
    expect(twice.mastery).toEqual(once.mastery);
  });

  it("shows the learner's message at once as sending, then sent on its turn.started", () => {
    let s = reduce(run([state(1)]), { type: "local.send", clientId: "c1", text: "Why green?" });
    expect(s.items[0]).toMatchObject({ role: "learner", status: "sending" });
    s = run([{ type: "turn.started", seq: 2, turn_id: "t9", in_reply_to: "c1" }], s);
    expect(s.items.map((i) => [i.role, i.status])).toEqual([["learner", "complete"], ["tutor", "streaming"]]);
  });

  it("rebuilds from session.state and keeps messages the server has not taken", () => {
    let s = reduce(run([state(1)]), { type: "local.send", clientId: "c2", text: "unsent" });
    s = run([state(7, [
      { seq: 3, role: "learner", kind: "message", status: "complete", text: "Hello", turn_id: "t1", client_id: "c1", citations: [], board_object_ids: [] },
      { seq: 5, role: "tutor", kind: "message", status: "complete", text: "Hi!", turn_id: "t1", client_id: null, citations: [], board_object_ids: [] },
    ])], s);
    expect(s.items.map((i) => i.text)).toEqual(["Hello", "Hi!", "unsent"]);
    expect(s.lastSeq).toBe(7);
  });

  it("a question and its feedback: shown once, pending then answered", () => {
    const question = { id: 4, kind: "mcq", prompt: "Which?", options: ["a", "b"], concept: "light" };
    let s = run([
      state(1),
      { type: "turn.started", seq: 2, turn_id: "t1", in_reply_to: "next" },
      { type: "question", seq: 3, turn_id: "t1", question, board_object_ids: ["mcq-4-opt-0"] },
      { type: "turn.completed", seq: 4, turn_id: "t1", status: "complete", kind: "question", content: { text: "Which?" }, citations: [] },
    ]);
    expect(s.items).toHaveLength(1);
    expect(s.pendingQuestion?.id).toBe(4);
    s = run([{ type: "feedback", seq: 5, turn_id: "t2", question_id: 4, correct: true, correct_option_index: 1, explanation: "Yes" }], s);
    expect(s.pendingQuestion).toBeNull();
    expect(s.feedback[4].correct).toBe(true);
  });

  it("next over a waiting question closes it: the skip's turn names the question", () => {
    const question = { id: 4, kind: "mcq", prompt: "Which?", options: ["a", "b"], concept: "light" };
    let s = run([
      state(1),
      { type: "question", seq: 2, turn_id: "t1", question, board_object_ids: [] },
      { type: "turn.completed", seq: 3, turn_id: "t1", status: "complete", kind: "question", content: { text: "Which?", question_id: 4 }, citations: [] },
    ]);
    s = run([
      { type: "turn.started", seq: 4, turn_id: "t2", in_reply_to: "help" },
      { type: "turn.completed", seq: 5, turn_id: "t2", status: "complete", kind: "explanation", content: { text: "Hint: …", question_id: 4, action: "hint" }, citations: [] },
    ], s);
    expect(s.pendingQuestion?.id).toBe(4); // a hint on it: still waiting
    s = run([
      { type: "turn.started", seq: 6, turn_id: "t3", in_reply_to: "next" },
      { type: "turn.completed", seq: 7, turn_id: "t3", status: "complete", kind: "feedback", content: { text: "Let us leave that question", question_id: 4, action: "skip_question" }, citations: [] },
    ], s);
    expect(s.pendingQuestion).toBeNull();
    expect(s.feedback[4]).toBeUndefined();
  });

  it("an error about a learner's message marks that message, not the chat", () => {
    let s = reduce(run([state(1)]), { type: "local.send", clientId: "c1", text: "x" });
    s = run([{ type: "error", seq: 2, code: "turn_in_progress", message: "Wait", retryable: true, in_reply_to: "c1", turn_id: null }], s);
    expect(s.items[0]).toMatchObject({ status: "failed", error: "Wait" });
  });
});

describe("a shared session", () => {
  const ada = { user_id: 1, username: "ada", role: "owner" };
  const bob = { user_id: 2, username: "bob", role: "viewer" };

  it("takes the role and who is here from session.state, then follows presence frames", () => {
    let s = run([{ ...state(1), role: "viewer", participants: [ada, bob] }]);
    expect(s.role).toBe("viewer");
    expect(s.participants.map((p) => p.username)).toEqual(["ada", "bob"]);
    s = run([{ type: "presence", participants: [ada] }], s);
    expect(s.participants).toEqual([ada]);
    expect(s.lastSeq).toBe(1); // presence is not stored: no seq, nothing dropped after it
  });

  it("names who wrote a message and who asked for a turn", () => {
    const editor = { user_id: 3, username: "cy", role: "editor" };
    const s = run([
      { ...state(2, [{ seq: 2, role: "learner", kind: "message", status: "complete", text: "Why?", turn_id: "t1",
        client_id: "c1", citations: [], board_object_ids: [], author: editor }]), role: "owner", participants: [ada, editor] },
      { type: "turn.started", seq: 3, turn_id: "t1", in_reply_to: "c1", asked_by: editor },
    ]);
    expect(s.items.map((i) => [i.role, i.author?.username])).toEqual([["learner", "cy"], ["tutor", "cy"]]);
  });

  it("shows another member's message, carried by its turn.started, once and before the reply", () => {
    const editor = { user_id: 3, username: "cy", role: "editor" };
    const started = { type: "turn.started", seq: 2, turn_id: "t1", in_reply_to: "c9", asked_by: editor, text: "Why green?" };
    const s = run([state(1), started, started]);
    expect(s.items.map((i) => [i.role, i.text, i.author?.username])).toEqual([["learner", "Why green?", "cy"], ["tutor", "", "cy"]]);
  });

  it("applies a refusal that is not stored (seq null) without moving last_seq", () => {
    const s = run([state(5), { type: "error", seq: null, code: "read_only", message: "You are viewing", retryable: false, in_reply_to: null, turn_id: null }]);
    expect(s.notice).toBe("You are viewing");
    expect(s.lastSeq).toBe(5);
  });
});
