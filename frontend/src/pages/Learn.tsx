// The lesson: the streamed, cited chat and the live board, surviving reconnects.
import { lazy, Suspense } from "preact/compat";
import { useCallback, useEffect, useReducer, useRef, useState } from "preact/hooks";
import { endpoints, type Document, type User } from "../api/endpoints";
import { signOut } from "../api/http";
import { Board } from "../board/Board";
import { BoardSession, type BoardStatus } from "../board/session";
import type { ClientFrame } from "../contracts/tutor-client";
import type { QuestionOut, ServerEvent } from "../contracts/tutor-server";
import { navigate } from "../router";
import { newClientId } from "../tutor/outbox";
import { initialChat, reduce, type ChatItem, type ChatState, type LocalAction } from "../tutor/reducer";
import { TutorSocket, type SocketStatus } from "../tutor/socket";
import { ChatMessage } from "../ui/chat";
import { Confirm, message } from "../ui/common";
import { People } from "../ui/people";
import { toast } from "../ui/toast";

// The owner's Share dialog: loaded when first opened.
const ShareDialog = lazy(() => import("../ui/share"));

type Action = ServerEvent | { type: "pong" } | LocalAction | { type: "batch"; frames: (ServerEvent | { type: "pong" })[] };

function chatReducer(state: ChatState, action: Action): ChatState {
  return action.type === "batch" ? action.frames.reduce(reduce, state) : reduce(state, action);
}

function Badge({ tutor, board, onRetry }: { tutor: SocketStatus; board: BoardStatus; onRetry: () => void }) {
  const [slow, setSlow] = useState(false);
  const [wasLive, setWasLive] = useState(false);
  const live = tutor === "open" && board === "connected";
  useEffect(() => {
    setSlow(false);
    if (live) return setWasLive(true);
    const t = setTimeout(() => setSlow(true), 2000); // "Reconnecting…" only after 2 s
    return () => clearTimeout(t);
  }, [live]);
  if (tutor === "signed-out" || board === "signed-out") {
    return <span class="badge bad" role="status">Signed out <button type="button" class="link" onClick={() => { signOut(); navigate("/login"); }}>Log in again</button></span>;
  }
  if (tutor === "forbidden" || tutor === "missing") return <span class="badge bad" role="status">This lesson is not available</span>;
  if (live || (wasLive && !slow)) return <span class="badge ok" role="status">Live</span>;
  if (!wasLive && !slow) return <span class="badge warn" role="status">Connecting…</span>;
  if (!navigator.onLine) return <span class="badge warn" role="status">Offline: your drawing is kept</span>;
  return <span class="badge warn" role="status">Reconnecting… <button type="button" class="link" onClick={onRetry}>Retry now</button></span>;
}

function useAutoScroll(dep: unknown) {
  const ref = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  useEffect(() => {
    const el = ref.current;
    if (el && following) el.scrollTop = el.scrollHeight;
  }, [dep, following]);
  const onScroll = () => {
    const el = ref.current!;
    setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight < 40);
  };
  return { ref, following, onScroll, jump: () => setFollowing(true) };
}

export function Learn({ id }: { id: number }) {
  const [chat, dispatch] = useReducer(chatReducer, initialChat);
  const chatRef = useRef(chat);
  chatRef.current = chat;
  const [tutorStatus, setTutorStatus] = useState<SocketStatus>("connecting");
  const [boardStatus, setBoardStatus] = useState<BoardStatus>("connecting");
  const [board, setBoard] = useState<BoardSession | null>(null);
  const [me, setMe] = useState<User | null>(null);
  const [ownerName, setOwnerName] = useState("");
  const [sharing, setSharing] = useState(false);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [docs, setDocs] = useState<Document[]>([]);
  const [folderName, setFolderName] = useState("");
  const [text, setText] = useState("");
  const [pane, setPane] = useState<"chat" | "board">("chat");
  const paneRef = useRef(pane);
  paneRef.current = pane;
  const [unread, setUnread] = useState(false);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [chosen, setChosen] = useState<Record<number, number>>({});
  const [pace, setPace] = useState(1);
  const [split, setSplit] = useState(40);
  const socket = useRef<TutorSocket | null>(null);
  const scroll = useAutoScroll(chat.items);

  // The tutor socket: frames are applied once per animation frame.
  useEffect(() => {
    let queue: (ServerEvent | { type: "pong" })[] = [];
    let scheduled = 0;
    const flush = () => {
      scheduled = 0;
      const frames = queue;
      queue = [];
      dispatch({ type: "batch", frames });
    };
    const s = new TutorSocket(id, () => chatRef.current.lastSeq, (frame) => {
      queue.push(frame);
      scheduled ||= requestAnimationFrame(flush);
    }, setTutorStatus);
    socket.current = s;
    s.start();
    return () => { s.stop(); cancelAnimationFrame(scheduled); };
  }, [id]);

  // The board, with the learner's name for cursors and presence.
  useEffect(() => {
    let session: BoardSession | null = null;
    let live = true;
    endpoints.me().then((me) => {
      if (!live) return;
      setMe(me);
      session = new BoardSession(id, { id: me.id, name: me.username }, setBoardStatus);
      setBoard(session);
      void session.start();
    }, () => setBoardStatus("signed-out"));
    return () => { live = false; session?.stop(); };
  }, [id]);

  const folderId = chat.session?.folder_id;
  const role = chat.role;
  const owner = role === "owner";
  const viewer = role === "viewer";
  useEffect(() => { if (role) board?.setRole(role); }, [board, role]);
  useEffect(() => {
    if (!folderId || !role) return;
    if (owner) {
      endpoints.documents(folderId).then(setDocs, () => undefined);
      endpoints.folder(folderId).then((f) => setFolderName(f.name), () => undefined);
      return;
    }
    // A member may not read the owner's folder: the session names it and its owner.
    endpoints.session(id).then((s) => setFolderName(s.folder_name ?? ""), () => undefined);
    endpoints.members(id).then((all) => setOwnerName(all.find((m) => m.role === "owner")?.username ?? ""), () => undefined);
  }, [folderId, owner]);

  useEffect(() => {
    if (chat.ended) navigate(`/sessions/${id}/analysis`);
  }, [chat.ended]);

  useEffect(() => { if (pane === "board") setUnread(false); }, [pane]);
  // Stable callbacks, so the memoised board does not re-render with each streamed frame.
  const onDrawn = useCallback(() => { if (paneRef.current !== "board") setUnread(true); }, []);

  const send = (frame: ClientFrame) => {
    if (!socket.current?.send(frame)) toast("Not connected yet: try again in a moment.", "error");
  };
  const sendMessage = (value: string) => {
    const clientId = newClientId();
    dispatch({ type: "local.send", clientId, text: value });
    socket.current?.send({ type: "user.message", client_id: clientId, text: value });
  };
  const retry = (item: ChatItem) => {
    const clientId = newClientId();
    dispatch({ type: "local.send", clientId, text: item.text });
    socket.current?.send({ type: "user.message", client_id: clientId, text: item.text });
  };
  const answer = (q: QuestionOut, a: { option_index?: number; text?: string }) => {
    if (a.option_index !== undefined) setChosen((c) => ({ ...c, [q.id]: a.option_index! }));
    send({ type: "quiz.answer", question_id: q.id, ...a });
  };
  const onBoardOption = useCallback((objectId: string) => send({ type: "board.click", object_id: objectId }), []);

  const paceTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const onPace = (value: number) => {
    setPace(value);
    clearTimeout(paceTimer.current);
    paceTimer.current = setTimeout(() => send({ type: "pace", value }), 400); // the socket allows 20 frames/s
  };

  const leave = () => {
    if (!me) return;
    endpoints.removeMember(id, me.id).then(() => navigate("/"), (e) => toast(message(e), "error"));
  };

  const endLesson = () => {
    socket.current?.send({ type: "session.end" });
    // session.ended leads to the analysis; if it does not come (socket down), end over REST.
    setTimeout(() => {
      if (location.pathname !== `/learn/${id}`) return;
      endpoints.endSession(id).catch(() => undefined).finally(() => navigate(`/sessions/${id}/analysis`));
    }, 3000);
  };

  // Only the waiting question takes an answer (the server's pending_question): one answered,
  // skipped or asked before a reload is closed, in the chat and on the board.
  const open = chat.pendingQuestion ? String(chat.pendingQuestion.id) : null;
  const docName = (docId: number) => docs.find((d) => d.id === docId)?.name ?? `Document ${docId}`;
  const running = chat.runningTurn;
  const focus = (chat.focus as { title?: string } | null)?.title;
  const ended = chat.session && chat.session.status !== "active";

  function onDividerKey(e: KeyboardEvent) {
    if (e.key === "ArrowLeft") setSplit((s) => Math.max(25, s - 5));
    else if (e.key === "ArrowRight") setSplit((s) => Math.min(70, s + 5));
    else return;
    e.preventDefault();
  }
  function onDividerDrag(e: PointerEvent) {
    const host = (e.currentTarget as HTMLElement).parentElement!.getBoundingClientRect();
    const move = (ev: PointerEvent) => setSplit(Math.min(70, Math.max(25, ((ev.clientX - host.left) / host.width) * 100)));
    const up = () => { removeEventListener("pointermove", move); removeEventListener("pointerup", up); };
    addEventListener("pointermove", move);
    addEventListener("pointerup", up);
  }

  return (
    <main id="main" class="learn" style={{ "--split": `${split}%` }}>
      <header class="learn-head">
        <a href={folderId && owner ? `/folders/${folderId}` : "/"} class="back" aria-label={owner ? "Back to the subject" : "Back to your subjects"}>‹</a>
        <div class="learn-title">
          <h1>{folderName || (ownerName ? `${ownerName}'s lesson` : "Lesson")}</h1>
          {focus && <p class="focus">Now: {focus}</p>}
        </div>
        {(chat.participants.length > 1 || (role && !owner)) && <People participants={chat.participants} me={me?.id ?? null} />}
        <Badge tutor={tutorStatus} board={boardStatus} onRetry={() => { socket.current?.retry(); board?.reconnect(); }} />
        {owner && (
          <>
            <button type="button" onClick={() => setSharing(true)} disabled={!!ended}>Share</button>
            <button type="button" class="danger" onClick={() => setConfirmEnd(true)} disabled={!!ended}>End<span class="phone-hidden"> session</span></button>
          </>
        )}
        {role && !owner && <button type="button" onClick={() => setConfirmLeave(true)} disabled={!me}>Leave</button>}
      </header>
      <div class="pane-tabs" role="tablist" aria-label="Lesson view">
        <button type="button" role="tab" aria-selected={pane === "chat"} onClick={() => setPane("chat")}>Chat</button>
        <button type="button" role="tab" aria-selected={pane === "board"} onClick={() => setPane("board")}>
          Board{unread && <span class="unread" aria-label="new drawing"> ●</span>}
        </button>
      </div>
      <div class="learn-body">
        <section class={`chat-pane${pane === "chat" ? " shown" : ""}`} aria-label="Chat">
          <div class="chat-log" ref={scroll.ref} onScroll={scroll.onScroll} role="log" aria-live="polite" aria-label="Lesson conversation">
            {chat.items.length === 0 && tutorStatus === "open" && (viewer
              ? <p class="muted hello">The lesson has not started yet: it appears here as it happens.</p>
              : <p class="muted hello">Press <strong>Next</strong> to start the lesson, or ask the tutor anything.</p>
            )}
            {chat.items.map((item) => (
              <ChatMessage key={item.key} item={item} docName={docName} onRetry={retry} me={me?.id ?? null} readOnly={viewer}
                feedback={item.question ? chat.feedback[item.question.id] : undefined}
                open={!!item.question && String(item.question.id) === open}
                chosen={item.question ? chosen[item.question.id] : undefined} onAnswer={answer} />
            ))}
            {chat.notice && <p class="notice" role="alert">{chat.notice}</p>}
          </div>
          {!scroll.following && <button type="button" class="jump" onClick={scroll.jump}>Jump to latest</button>}
          {viewer && (
            <p class="read-only" id="read-only-note">
              You are viewing — only {ownerName || "the owner"} and editors can write.
            </p>
          )}
          <div class="controls">
            <button type="button" class="primary" disabled={!!running || !!ended || viewer} onClick={() => send({ type: "next" })}>Next</button>
            {viewer ? <button type="button" disabled>Help</button> : <details class="help">
              <summary role="button" aria-label="Help">Help</summary>
              <div class="help-menu">
                <button type="button" disabled={!!running} onClick={(e) => { send({ type: "help", mode: "stuck" }); (e.currentTarget as HTMLElement).closest("details")!.open = false; }}>I'm stuck</button>
                <button type="button" disabled={!!running} onClick={(e) => { send({ type: "help", mode: "example" }); (e.currentTarget as HTMLElement).closest("details")!.open = false; }}>Show an example</button>
                <button type="button" disabled={!!running} onClick={(e) => { send({ type: "help", mode: "simpler" }); (e.currentTarget as HTMLElement).closest("details")!.open = false; }}>Explain it simpler</button>
              </div>
            </details>}
            {running && <button type="button" disabled={viewer} onClick={() => send({ type: "cancel", turn_id: running })}>Stop</button>}
            <label class="pace">Pace <input type="range" min={0.5} max={1.5} step={0.1} value={pace} aria-valuetext={`${pace.toFixed(1)}×`} disabled={viewer}
              onInput={(e) => onPace(Number((e.target as HTMLInputElement).value))} /> <span aria-hidden="true">{pace.toFixed(1)}×</span></label>
          </div>
          <form class="composer" onSubmit={(e) => { e.preventDefault(); if (text.trim()) { sendMessage(text.trim()); setText(""); } }}>
            <label class="sr-only" for="composer">Message</label>
            <textarea id="composer" rows={2} value={text} maxLength={4000} disabled={!!ended || viewer}
              placeholder={viewer ? "Viewers cannot write" : "Ask a question or answer in your own words…"}
              aria-describedby={viewer ? "read-only-note" : undefined}
              onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
              onKeyDown={(e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); (e.currentTarget as HTMLTextAreaElement).form!.requestSubmit(); } }} />
            <button type="submit" class="primary" disabled={!text.trim() || !!ended || viewer}>Send</button>
          </form>
        </section>
        <div class="divider" role="separator" aria-orientation="vertical" aria-label="Resize chat and board" tabIndex={0}
          aria-valuenow={Math.round(split)} aria-valuemin={25} aria-valuemax={70} onKeyDown={onDividerKey} onPointerDown={onDividerDrag} />
        <section class={`board-pane${pane === "board" ? " shown" : ""}`} aria-label="Board">
          {board ? <Board session={board} openQuestion={open} onOption={onBoardOption} active={pane === "board"}
            onDrawn={onDrawn} readOnly={viewer} /> : <p class="loading">Connecting the board…</p>}
        </section>
      </div>
      <Confirm open={confirmEnd} title="End this lesson?" confirm="End lesson" onClose={() => setConfirmEnd(false)}
        onConfirm={endLesson}>
        <p>You will see how it went: strengths, gaps and what to do next.</p>
      </Confirm>
      <Confirm open={confirmLeave} title="Leave this lesson?" confirm="Leave lesson" onClose={() => setConfirmLeave(false)}
        onConfirm={leave}>
        <p>You will need a new invite link to come back.</p>
      </Confirm>
      {sharing && (
        <Suspense fallback={null}>
          <ShareDialog sessionId={id} onClose={() => setSharing(false)} presence={chat.participants} />
        </Suspense>
      )}
    </main>
  );
}
