"""Invites and members over REST (SPEC 4, 11): the owner shares, others join, roles hold."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_app import actions
from sessions_app.models import SessionInvite, SessionMember, TutorSession

pytestmark = pytest.mark.django_db


def invite(client, session, role="viewer", **extra):
    return client.post(f"/api/v1/sessions/{session.pk}/invites/", {"role": role, **extra}, format="json")


def test_the_owner_creates_lists_and_revokes_invites(shared, client_for):
    owner, session = client_for(shared["owner"]), shared["session"]
    response = invite(owner, session, "editor", expires_in=3600)
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "editor" and body["status"] == "active" and body["accepted_count"] == 0
    assert body["session_id"] == session.pk and body["url"] == f"/invite/{body['code']}" and len(body["code"]) >= 20
    expires = SessionInvite.objects.get(code=body["code"]).expires_at
    assert timedelta(seconds=3590) < expires - timezone.now() <= timedelta(seconds=3600)
    listed = owner.get(f"/api/v1/sessions/{session.pk}/invites/").json()
    assert listed["count"] == 3 and listed["results"][0]["code"] == body["code"]
    assert sorted(i["accepted_count"] for i in listed["results"]) == [0, 1, 1]
    assert owner.delete(f"/api/v1/invites/{body['code']}/").status_code == 204
    assert owner.get(f"/api/v1/invites/{body['code']}/").json()["status"] == "revoked"


def test_invite_input_is_checked(shared, client_for):
    owner, session = client_for(shared["owner"]), shared["session"]
    assert invite(owner, session, "owner").status_code == 400
    assert invite(owner, session, "viewer", expires_in=59).status_code == 400
    assert invite(owner, session, "viewer", expires_in=31 * 24 * 3600).status_code == 400
    default = invite(owner, session).json()
    assert timedelta(days=6, hours=23) < SessionInvite.objects.get(code=default["code"]).expires_at - timezone.now()


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_members_may_not_manage_invites(shared, client_for, who):
    member, session = client_for(shared[who]), shared["session"]
    code = SessionInvite.objects.filter(session=session).first().code
    for response in (invite(member, session), member.get(f"/api/v1/sessions/{session.pk}/invites/")):
        assert response.status_code == 403 and response.json()["code"] == "owner_only"
    assert member.delete(f"/api/v1/invites/{code}/").status_code == 404
    assert SessionInvite.objects.filter(revoked_at__isnull=False).count() == 0


def test_anyone_signed_in_with_the_code_sees_what_it_grants(shared, client_for):
    code = invite(client_for(shared["owner"]), shared["session"], "editor").json()["code"]
    body = client_for(shared["outsider"]).get(f"/api/v1/invites/{code}/").json()
    assert body["role"] == "editor" and body["status"] == "active"
    assert body["session"] == {"id": shared["session"].pk, "folder_name": "Optics", "status": "active",
                               "owner": {"id": shared["owner"].pk, "username": "ada"}}
    missing = client_for(shared["outsider"]).get("/api/v1/invites/no-such-code/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client_for().get(f"/api/v1/invites/{code}/").status_code == 401


def test_accepting_joins_with_the_role_and_the_session_is_listed_with_it(shared, client_for):
    owner, outsider, session = client_for(shared["owner"]), client_for(shared["outsider"]), shared["session"]
    code = invite(owner, session, "viewer").json()["code"]
    accepted = outsider.post(f"/api/v1/invites/{code}/accept/")
    assert accepted.status_code == 200 and accepted.json() == {"session_id": session.pk, "role": "viewer"}
    [listed] = outsider.get("/api/v1/sessions/").json()["results"]
    assert listed["id"] == session.pk and listed["role"] == "viewer"
    # What the member's lists and Learn page name it by: the owner's subject and the owner.
    assert (listed["folder_name"], listed["owner"]) == (session.folder.name, {"id": shared["owner"].pk,
                                                                               "username": shared["owner"].username})
    assert outsider.get(f"/api/v1/sessions/{session.pk}/").json()["role"] == "viewer"
    assert owner.get("/api/v1/sessions/").json()["results"][0]["role"] == "owner"
    upgrade = invite(owner, session, "editor").json()["code"]
    assert outsider.post(f"/api/v1/invites/{upgrade}/accept/").json()["role"] == "editor"
    assert outsider.post(f"/api/v1/invites/{code}/accept/").json()["role"] == "editor"  # never downgraded
    assert SessionMember.objects.filter(session=session, user=shared["outsider"]).count() == 1


def test_expired_revoked_own_and_ended_invites_are_refused(shared, client_for):
    owner, outsider, session = client_for(shared["owner"]), client_for(shared["outsider"]), shared["session"]
    expired = invite(owner, session).json()["code"]
    SessionInvite.objects.filter(code=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = invite(owner, session).json()["code"]
    owner.delete(f"/api/v1/invites/{revoked}/")
    own = invite(owner, session).json()["code"]
    for code, status, error in ((expired, 410, "invite_expired"), (revoked, 410, "invite_revoked")):
        response = outsider.post(f"/api/v1/invites/{code}/accept/")
        assert (response.status_code, response.json()["code"]) == (status, error)
    assert outsider.get(f"/api/v1/invites/{expired}/").json()["status"] == "expired"
    response = owner.post(f"/api/v1/invites/{own}/accept/")
    assert (response.status_code, response.json()["code"]) == (400, "own_session")
    actions.end_session(session)
    response = outsider.post(f"/api/v1/invites/{own}/accept/")
    assert (response.status_code, response.json()["code"]) == (410, "session_ended")
    assert not SessionMember.objects.filter(user=shared["outsider"]).exists()


def test_revoking_an_invite_removes_who_joined_through_it(shared, client_for):
    owner, session = client_for(shared["owner"]), shared["session"]
    viewers_invite = SessionMember.objects.get(session=session, user=shared["viewer"]).invite
    assert owner.delete(f"/api/v1/invites/{viewers_invite.code}/").status_code == 204
    assert list(SessionMember.objects.filter(session=session).values_list("user_id", flat=True)) == [
        shared["editor"].pk]  # the editor joined through another invite
    assert client_for(shared["viewer"]).get(f"/api/v1/sessions/{session.pk}/").status_code == 404


def test_members_are_listed_owner_first_for_owner_and_members(shared, client_for):
    session = shared["session"]
    for who in ("owner", "editor", "viewer"):
        body = client_for(shared[who]).get(f"/api/v1/sessions/{session.pk}/members/").json()
        assert [(m["username"], m["role"], m["online"]) for m in body["results"]] == [
            ("ada", "owner", False), ("edith", "editor", False), ("victor", "viewer", False)]
    response = client_for(shared["outsider"]).get(f"/api/v1/sessions/{session.pk}/members/")
    assert response.status_code == 404


def test_the_owner_removes_a_member_and_a_member_may_leave(shared, client_for):
    owner, editor, viewer = (client_for(shared[k]) for k in ("owner", "editor", "viewer"))
    session = shared["session"]
    url = f"/api/v1/sessions/{session.pk}/members/"
    response = viewer.delete(f"{url}{shared['editor'].pk}/")
    assert (response.status_code, response.json()["code"]) == (403, "owner_only")
    response = owner.delete(f"{url}{shared['owner'].pk}/")
    assert (response.status_code, response.json()["code"]) == (400, "owner_cannot_leave")
    assert owner.delete(f"{url}{shared['outsider'].pk}/").status_code == 404
    assert client_for(shared["outsider"]).delete(f"{url}{shared['viewer'].pk}/").status_code == 404
    assert owner.delete(f"{url}{shared['editor'].pk}/").status_code == 204
    assert editor.get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    assert viewer.delete(f"{url}{shared['viewer'].pk}/").status_code == 204
    assert viewer.get("/api/v1/sessions/").json()["count"] == 0
    assert not SessionMember.objects.filter(session=session).exists()


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_members_read_the_session_but_do_not_end_it_nor_reach_the_folder(shared, client_for, who):
    member, session = client_for(shared[who]), shared["session"]
    s, f = session.pk, session.folder_id
    for url in (f"/api/v1/sessions/{s}/", f"/api/v1/sessions/{s}/messages/", f"/api/v1/sessions/{s}/board/",
                f"/api/v1/sessions/{s}/board/snapshots/", f"/api/v1/sessions/{s}/board/at/?seq=0",
                f"/api/v1/sessions/{s}/board/export.svg", f"/api/v1/sessions/{s}/board/analytics/"):
        assert member.get(url).status_code == 200, url
    assert member.get(f"/api/v1/sessions/{s}/analysis/").json()["code"] == "not_analysed"
    response = member.post(f"/api/v1/sessions/{s}/end/")
    assert (response.status_code, response.json()["code"]) == (403, "owner_only")
    assert TutorSession.objects.get(pk=s).status == "active"
    for url in (f"/api/v1/folders/{f}/", f"/api/v1/folders/{f}/documents/", f"/api/v1/folders/{f}/mastery/",
                f"/api/v1/folders/{f}/quizzes/", f"/api/v1/folders/{f}/lesson-plan/"):
        assert member.get(url).status_code == 404, url
