// Who is in a shared lesson now, with their roles (the tutor socket's participants).
import { userColor } from "../board/session";
import type { Participant } from "../tutor/reducer";

export function People({ participants, me }: { participants: Participant[]; me: number | null }) {
  return (
    <ul class="people" aria-label="In this lesson">
      {participants.map((p) => (
        <li key={p.user_id} class="person">
          <span class="avatar" style={{ background: userColor(p.user_id) }} aria-hidden="true">{p.username.slice(0, 1).toUpperCase()}</span>
          <span class="person-name">{p.username}{p.user_id === me ? " (you)" : ""}</span>
          <span class={`role role-${p.role}`}>{p.role}</span>
        </li>
      ))}
    </ul>
  );
}
