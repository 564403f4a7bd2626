import { endpoints } from "../api/endpoints";
import { navigate, type FolderTab } from "../router";
import { ErrorText, message, useLoad } from "../ui/common";
import { toast } from "../ui/toast";
import { Documents } from "./Documents";
import { Overview, Plan } from "./Overview";
import { Mastery } from "./Mastery";
import { Quizzes } from "./Quizzes";
import { Sessions } from "./Sessions";

const TABS: [FolderTab, string][] = [
  ["documents", "Documents"], ["overview", "Overview"], ["plan", "Lesson plan"],
  ["mastery", "Mastery"], ["quizzes", "Quizzes"], ["sessions", "Sessions"],
];

export async function startLesson(folderId: number): Promise<void> {
  try {
    const session = await endpoints.startSession(folderId);
    navigate(`/learn/${session.id}`);
  } catch (e) {
    toast(message(e), "error");
  }
}

export function Folder({ id, tab }: { id: number; tab: FolderTab }) {
  const [folder, error] = useLoad(() => endpoints.folder(id), [id]);
  return (
    <main id="main" class="page">
      <p class="crumbs"><a href="/">Subjects</a> ›</p>
      <div class="row spread">
        <h1>{folder?.name ?? "Subject"}</h1>
        <button type="button" class="primary" onClick={() => startLesson(id)}>Start a lesson</button>
      </div>
      <ErrorText text={error} />
      <nav class="tabs" aria-label="Subject">
        {TABS.map(([key, label]) => (
          <a key={key} href={`/folders/${id}/${key}`} aria-current={key === tab ? "page" : undefined}>{label}</a>
        ))}
      </nav>
      <section class="tab-panel" aria-label={TABS.find(([k]) => k === tab)![1]}>
        {tab === "documents" && <Documents folderId={id} />}
        {tab === "overview" && <Overview folderId={id} />}
        {tab === "plan" && <Plan folderId={id} />}
        {tab === "mastery" && <Mastery folderId={id} />}
        {tab === "quizzes" && <Quizzes folderId={id} />}
        {tab === "sessions" && <Sessions folderId={id} />}
      </section>
    </main>
  );
}
