// Chat items: one per turn, questions answerable in place, citations as popovers.
import { useId, useState } from "preact/hooks";
import type { CitationOut, QuestionOut } from "../contracts/tutor-server";
import type { ChatItem, Participant } from "../tutor/reducer";
import { inline, Markdown } from "./markdown";

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function Citation({ n, citation, docName }: { n: number; citation: CitationOut; docName: (id: number) => string }) {
  const [open, setOpen] = useState(false);
  const id = useId();  // unique per marker: a turn may cite one passage twice, several turns the same one
  return (
    <span class="cite">
      <button type="button" class="cite-marker" aria-expanded={open} aria-controls={id} aria-label={`Source ${n}`}
        onClick={() => setOpen(!open)}>[{n}]</button>
      {open && (
        <span id={id} role="note" class="popover" onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
          <span class="popover-head">{docName(citation.document_id)}{citation.page ? `, page ${citation.page}` : ""}</span>
          <q>{citation.quote}</q>
          <button type="button" class="link" onClick={() => setOpen(false)}>Close</button>
        </span>
      )}
    </span>
  );
}

function QuestionCard(props: { q: QuestionOut; item: ChatItem; answered?: { correct: boolean; correct_option_index?: number | null }; onAnswer: (a: { option_index?: number; text?: string }) => void; chosen?: number; readOnly: boolean; open: boolean }) {
  const [text, setText] = useState("");
  const { q, answered } = props;
  const closed = !props.open || props.readOnly;
  return (
    <div class={answered || !closed ? "question" : "question closed"} role="group" aria-label={`Question: ${q.prompt}`}>
      {q.kind === "mcq" ? (
        <div class="options">
          {q.options.map((o, i) => {
            const mark = answered ? (answered.correct_option_index === i ? " correct" : props.chosen === i ? " chosen" : "") : "";
            return (
              <button key={i} type="button" class={`option-button${mark}`} disabled={closed} onClick={() => props.onAnswer({ option_index: i })}>
                <span class="letter" aria-hidden="true">{LETTERS[i]}</span> {inline(o)}
              </button>
            );
          })}
        </div>
      ) : (
        <form class="row" onSubmit={(e) => { e.preventDefault(); if (text.trim()) props.onAnswer({ text: text.trim() }); }}>
          <label class="sr-only" for={`answer-${q.id}`}>Your answer</label>
          <textarea id={`answer-${q.id}`} rows={2} value={text} disabled={closed} maxLength={4000} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
          <button type="submit" class="primary" disabled={closed || !text.trim()}>Submit answer</button>
        </form>
      )}
    </div>
  );
}

/** The person, unless it is this user (who reads "You"). */
const other = (p: Participant | null | undefined, me: number | null) => (p && p.user_id !== me ? p : null);

export function ChatMessage(props: {
  item: ChatItem; docName: (id: number) => string; feedback?: { correct: boolean; correct_option_index?: number | null };
  chosen?: number; onAnswer: (q: QuestionOut, a: { option_index?: number; text?: string }) => void; onRetry: (item: ChatItem) => void;
  /** This user's id: their own messages read "You", other people's their name. */
  me: number | null;
  /** A viewer answers nothing. */
  readOnly: boolean;
  /** The item's question is the one waiting for an answer. */
  open: boolean;
}) {
  const { item } = props;
  const streaming = item.status === "streaming";
  const cite = (n: number) => {
    const c = item.citations[n - 1];
    return c ? <Citation n={n} citation={c} docName={props.docName} /> : `[${n}]`;
  };
  const markers = /\[\d{1,2}\]/.test(item.text);
  const author = other(item.author, props.me);
  const answeredBy = other(item.feedback?.author, props.me);
  const label = item.role !== "learner" ? "Tutor" : author ? `${author.username} (${author.role})` : "You";
  return (
    <article class={`msg msg-${item.role} msg-${item.kind} msg-${item.status}`} data-turn-id={item.turnId} aria-label={`${label}${streaming ? " (writing)" : ""}`}>
      <p class="who" aria-hidden="true">{label}{item.role === "tutor" && author && <span class="asked"> · for {author.username}</span>}</p>
      {item.feedback && (
        <p class={item.feedback.correct ? "verdict ok" : "verdict wrong"}>{item.feedback.correct ? "✓ Correct" : "✗ Not quite"}
          {answeredBy && <span class="asked"> · {answeredBy.username}'s answer</span>}</p>
      )}
      {streaming ? <p class="streaming-text">{item.text}<span class="caret" aria-hidden="true" /></p>
        : item.text ? <Markdown text={item.text} cite={cite} /> : null}
      {!streaming && !markers && item.citations.length > 0 && (
        <p class="sources">Sources: {item.citations.map((c, i) => <Citation key={i} n={i + 1} citation={c} docName={props.docName} />)}</p>
      )}
      {item.question && <QuestionCard q={item.question} item={item} answered={props.feedback} chosen={props.chosen} readOnly={props.readOnly}
        open={props.open} onAnswer={(a) => props.onAnswer(item.question!, a)} />}
      {item.status === "sending" && <p class="state">sending…</p>}
      {item.status === "cancelled" && <p class="state">Stopped</p>}
      {item.status === "failed" && (
        <p class="state error">{item.error ?? "This reply failed."}{item.role === "learner" && <> <button type="button" class="link" onClick={() => props.onRetry(item)}>Send again</button></>}</p>
      )}
      {item.error && item.status !== "failed" && <p class="state error">{item.error}</p>}
    </article>
  );
}
