// Typed calls of the REST API (SPEC 4); the types are generated from its OpenAPI schema.
import type { components } from "../contracts/openapi";
import { api } from "./http";

type S = components["schemas"];
export type Folder = S["Folder"];
export type Document = S["Document"];
export type Artifact = S["FolderArtifact"];
export type ConceptMastery = S["ConceptMastery"];
export type Quiz = S["Quiz"];
export type QuizQuestion = S["QuestionPublic"];
export type Attempt = S["Attempt"];
// folder_name and owner: asked of the API (a member cannot read the owner's folder); absent until then.
export type Session = S["Session"] & { folder_name?: string; owner?: { id: number; username: string } };
export type SessionAnalysis = S["SessionAnalysis"];
export type Job = S["Job"];
export type User = S["User"];
type Page<T> = { count: number; results: T[] };

// Shapes of the artifacts' free-form `data` (agents_app/schemas.py).
export type Analysis = {
  summary: string;
  concepts: { name: string; definition: string; importance: number }[];
  key_terms: { term: string; definition: string }[];
};
export type Objective = { id: string; title: string; description: string; concepts: string[]; estimated_minutes: number };
export type LessonPlan = { title: string; description: string; sections: { title: string; objectives: Objective[] }[] };

// Shared sessions (SPEC 11).
export type ShareRole = S["MemberRoleEnum"];
export type Invite = S["Invite"];
export type InvitePreview = S["InvitePreview"];
export type Member = S["Member"];

export const endpoints = {
  me: () => api<User>("auth/me/"),
  register: (username: string, password: string) =>
    api<User>("auth/register/", { method: "POST", body: { username, password }, auth: false }),
  folders: () => api<Page<Folder>>("folders/?limit=200").then((p) => p.results),
  folder: (id: number) => api<Folder>(`folders/${id}/`),
  createFolder: (name: string, description = "") => api<Folder>("folders/", { method: "POST", body: { name, description } }),
  renameFolder: (id: number, name: string) => api<Folder>(`folders/${id}/`, { method: "PATCH", body: { name } }),
  deleteFolder: (id: number) => api<void>(`folders/${id}/`, { method: "DELETE" }),
  documents: (folderId: number) => api<Page<Document>>(`folders/${folderId}/documents/?limit=200`).then((p) => p.results),
  document: (id: number) => api<Document>(`documents/${id}/`),
  deleteDocument: (id: number) => api<void>(`documents/${id}/`, { method: "DELETE" }),
  reprocess: (id: number) => api<Document>(`documents/${id}/reprocess/`, { method: "POST" }),
  analysis: (folderId: number) => api<Artifact>(`folders/${folderId}/analysis/`),
  lessonPlan: (folderId: number) => api<Artifact>(`folders/${folderId}/lesson-plan/`),
  mastery: (folderId: number) => api<{ results: ConceptMastery[] }>(`folders/${folderId}/mastery/`).then((p) => p.results),
  quizzes: (folderId: number) => api<Page<Quiz>>(`folders/${folderId}/quizzes/?limit=200`).then((p) => p.results),
  createQuiz: (folderId: number, body: { count: number; difficulty?: string; concepts?: string[] }) =>
    api<Quiz | Job>(`folders/${folderId}/quizzes/`, { method: "POST", body }),
  quiz: (id: number) => api<Quiz>(`quizzes/${id}/`),
  attempts: (quizId: number) => api<Page<Attempt>>(`quizzes/${quizId}/attempts/`).then((p) => p.results),
  submitAttempt: (quizId: number, answers: { question_id: number; option_index?: number; text?: string }[]) =>
    api<Attempt>(`quizzes/${quizId}/attempts/`, { method: "POST", body: { answers } }),
  job: (id: number) => api<Job>(`jobs/${id}/`),
  sessions: () => api<Page<Session>>("sessions/?limit=200").then((p) => p.results),
  session: (id: number) => api<Session>(`sessions/${id}/`),
  startSession: (folderId: number) => api<Session>("sessions/", { method: "POST", body: { folder_id: folderId } }),
  endSession: (id: number) => api<Session>(`sessions/${id}/end/`, { method: "POST" }),
  sessionAnalysis: (id: number) => api<SessionAnalysis>(`sessions/${id}/analysis/`),
  invites: (sessionId: number) => api<Page<Invite>>(`sessions/${sessionId}/invites/?limit=200`).then((p) => p.results),
  createInvite: (sessionId: number, role: ShareRole, expiresIn: number) =>
    api<Invite>(`sessions/${sessionId}/invites/`, { method: "POST", body: { role, expires_in: expiresIn } }),
  invite: (code: string) => api<InvitePreview>(`invites/${encodeURIComponent(code)}/`),
  revokeInvite: (code: string) => api<void>(`invites/${encodeURIComponent(code)}/`, { method: "DELETE" }),
  acceptInvite: (code: string) =>
    api<S["Accepted"]>(`invites/${encodeURIComponent(code)}/accept/`, { method: "POST" }),
  members: (sessionId: number) => api<Page<Member>>(`sessions/${sessionId}/members/?limit=200`).then((p) => p.results),
  removeMember: (sessionId: number, userId: number) => api<void>(`sessions/${sessionId}/members/${userId}/`, { method: "DELETE" }),
};
