"""Okta's Python SDK against Muster, changing only the base URL and token.

Opens an import session on a Custom Identity Source, uploads the users in
requests of 200, starts the import and polls it to its end; then lists the
users page by page, the source's sessions, and the System Log's events of
the session. Prints what it found as one JSON line; exits 1 on anything
unexpected, saying what.

Environment: MUSTER_URL, MUSTER_TOKEN, MUSTER_SOURCE (the identity source's
id), MUSTER_TAG (what the users' logins start with), MUSTER_USERS (600).
"""

import asyncio
import json
import os
import sys
import time

from okta.client import Client as OktaClient
from okta.pagination import PaginationHelper
from okta.models import (
    BulkGroupMembershipsUpsertRequestBody,
    BulkGroupUpsertRequestBody,
    BulkGroupUpsertRequestBodyProfilesInner,
    BulkUpsertRequestBody,
    BulkUpsertRequestBodyProfilesInner,
    IdentitySourceGroupMembershipsUpsertProfileInner,
    IdentitySourceGroupProfileForUpsert,
    IdentitySourceUserProfileForUpsert,
)


def fail(what, err):
    print(f"{what}: {err}", file=sys.stderr)
    sys.exit(1)


async def main():
    url = os.environ["MUSTER_URL"]
    source = os.environ["MUSTER_SOURCE"]
    tag = os.environ["MUSTER_TAG"]
    count = int(os.environ.get("MUSTER_USERS", "600"))
    # The SDK wants https; the tests serve Muster over plain HTTP on
    # loopback, which the SDK allows only when told so.
    os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    config = {
        "orgUrl": url,
        "token": os.environ["MUSTER_TOKEN"],
        "rateLimit": {"maxRetries": 0},
    }
    async with OktaClient(config) as client:
        session, _, err = await client.create_identity_source_session(source)
        if err:
            fail("create session", err)
        if session.status.value != "CREATED":
            fail("a new session", session.status)

        for start in range(0, count, 200):
            profiles = [
                BulkUpsertRequestBodyProfilesInner(
                    external_id=f"{tag}-{i}",
                    profile=IdentitySourceUserProfileForUpsert(
                        user_name=f"{tag}-{i}@sdk.example",
                        first_name=f"Sdk{i}",
                        last_name="Person",
                        email=f"{tag}-{i}@sdk.example",
                    ),
                )
                for i in range(start, min(start + 200, count))
            ]
            body = BulkUpsertRequestBody(entity_type="USERS", profiles=profiles)
            _, resp, err = await client.upload_identity_source_data_for_upsert(
                source, session.id, body
            )
            if err:
                fail(f"bulk-upsert from {start}", err)
            if resp.status_code != 202:
                fail(f"bulk-upsert from {start}", resp.status_code)

        # A group of the first 50, with its memberships.
        group = BulkGroupUpsertRequestBody(
            profiles=[
                BulkGroupUpsertRequestBodyProfilesInner(
                    external_id=f"{tag}-group",
                    profile=IdentitySourceGroupProfileForUpsert(
                        display_name=f"{tag} group", description="Pushed by the SDK"
                    ),
                )
            ]
        )
        _, _, err = await client.upload_identity_source_groups_for_upsert(
            source, session.id, group
        )
        if err:
            fail("bulk-groups-upsert", err)
        members = BulkGroupMembershipsUpsertRequestBody(
            memberships=[
                IdentitySourceGroupMembershipsUpsertProfileInner(
                    group_external_id=f"{tag}-group",
                    member_external_ids=[f"{tag}-{i}" for i in range(min(50, count))],
                )
            ]
        )
        _, _, err = await client.upload_identity_source_group_memberships_for_upsert(
            source, session.id, members
        )
        if err:
            fail("bulk-group-memberships-upsert", err)

        started, _, err = await client.start_import_from_identity_source(
            source, session.id
        )
        if err:
            fail("start-import", err)
        if started.status.value != "TRIGGERED":
            fail("a started session", started.status)

        deadline = time.monotonic() + 120
        status = started.status.value
        while status != "COMPLETED":
            if status == "ERROR" or time.monotonic() > deadline:
                fail("the import", status)
            await asyncio.sleep(0.5)
            polled, _, err = await client.get_identity_source_session(source, session.id)
            if err:
                fail("get session", err)
            status = polled.status.value

        # Page by page, as the SDK pages: the cursor of the Link header's
        # next page.
        users, pages, after = [], 0, None
        while True:
            page, resp, err = await client.list_users(q=tag, limit=200, after=after)
            if err:
                fail(f"list users after {after}", err)
            users.extend(page)
            pages += 1
            after = PaginationHelper.extract_next_cursor(resp.headers or {})
            if after is None or not page:
                break
        logins = sorted(u.profile.login for u in users)
        active = sum(1 for u in users if u.status.value == "ACTIVE")

        sessions, _, err = await client.list_identity_source_sessions(source)
        if err:
            fail("list sessions", err)
        listed = {s.id: s.status.value for s in sessions}

        events, _, err = await client.list_log_events(
            filter='eventType eq "system.import.session.triggered"', limit=100
        )
        if err:
            fail("list log events", err)
        triggered = [
            e for e in events if any(t.id == session.id for t in (e.target or []))
        ]

        apps, _, err = await client.list_applications(limit=200)
        if err:
            fail("list applications", err)
        app_ids = [a.actual_instance.id if hasattr(a, "actual_instance") else a.id for a in apps]
        if source not in app_ids:
            fail("the identity source among the apps", app_ids)
        accounts, _, err = await client.list_application_users(source, limit=5)
        if err:
            fail("list the source's users", err)
        groups, _, err = await client.list_groups(q=tag, limit=5)
        if err:
            fail("list groups", err)
        # A group's profile is one of Okta's profile kinds, as the SDK reads it.
        names = [g.profile.actual_instance.name for g in groups]
        if names != [f"{tag} group"]:
            fail("the pushed group", names)
        members, _, err = await client.list_group_users(groups[0].id, limit=200)
        if err:
            fail("list the group's users", err)

        print(
            json.dumps(
                {
                    "session": session.id,
                    "status": listed.get(session.id),
                    "users": len(logins),
                    "distinct": len(set(logins)),
                    "active": active,
                    "pages": pages,
                    "triggeredEvents": len(triggered),
                    "appAccounts": len(accounts),
                    "groupMembers": len(members),
                }
            )
        )


asyncio.run(main())
