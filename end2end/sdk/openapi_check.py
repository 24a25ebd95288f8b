"""Muster's OpenAPI document, checked: valid OpenAPI 3.1, and real answers
of the API match the schemas it gives for them (successes and errors), and
the schemas Okta's own document gives for the same calls, where it has
them (reference/okta-openapi-subset.yaml, from Okta's Python SDK).

Environment: MUSTER_URL, MUSTER_TOKEN, MUSTER_SOURCE (a Custom Identity
Source's id). Prints how many answers were checked; exits 1 on the first
that does not match, saying which and why.
"""

import json
import os
import re
import sys
import urllib.error
import urllib.request

import yaml
from openapi_schema_validator import OAS30Validator, OAS31Validator
from openapi_spec_validator import validate

URL = os.environ["MUSTER_URL"].rstrip("/")
TOKEN = os.environ["MUSTER_TOKEN"]
SOURCE = os.environ["MUSTER_SOURCE"]
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "reference", "okta-openapi-subset.yaml")) as f:
    OKTA = yaml.safe_load(f)


def request(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Authorization", f"SSWS {TOKEN}")
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as res:
            status, text = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    return status, (json.loads(text) if text else None)


def operation(doc, method, path):
    """The documented operation whose path template matches `path`, or None."""
    bare = path.split("?")[0]
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, bare) and method.lower() in item:
            return template, item[method.lower()]
    return None


def json_schema(doc, op, status):
    documented = op["responses"].get(str(status))
    if documented is None:
        return False, None
    if "$ref" in documented:
        name = documented["$ref"].split("/")[-1]
        documented = doc["components"]["responses"][name]
    return True, documented.get("content", {}).get("application/json", {}).get("schema")


def conforms(validator, doc, schema, answer, what):
    rooted = dict(schema, components=doc["components"])
    errors = sorted(validator(rooted).iter_errors(answer), key=str)
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path)
        sys.exit(f"{what}: at {where or 'the top'}: {e.message}")


def check(doc, method, path, body=None, expect=None):
    global against_okta
    status, answer = request(method, path, body)
    if expect is not None and status != expect:
        sys.exit(f"{method} {path}: {status}, expected {expect}: {answer}")
    found = operation(doc, method, path)
    if found is None:
        sys.exit(f"{method} {path}: not in the document")
    template, op = found
    documented, schema = json_schema(doc, op, status)
    if not documented:
        sys.exit(f"{method} {template}: {status} is not a documented answer")
    if schema is None:
        if answer is not None:
            sys.exit(f"{method} {template} {status}: a body where none is documented")
    else:
        conforms(OAS31Validator, doc, schema, answer, f"{method} {template} {status}")
    okta = operation(OKTA, method, path)
    if okta is not None:
        _, schema = json_schema(OKTA, okta[1], status)
        if schema is not None:
            conforms(OAS30Validator, OKTA, schema, answer, f"Okta's {method} {okta[0]} {status}")
            against_okta += 1
    return answer


against_okta = 0


def main():
    status, doc = request("GET", "/api/v1/openapi.json")
    if status != 200:
        sys.exit(f"GET /api/v1/openapi.json: {status}")
    validate(doc)

    checked = 0

    def c(method, path, body=None, expect=None):
        nonlocal checked
        checked += 1
        return check(doc, method, path, body, expect)

    users = c("GET", "/api/v1/users?limit=3", expect=200)
    c("GET", f"/api/v1/users/{users[0]['id']}", expect=200)
    c("GET", "/api/v1/users?search=status%20eq%20%22ACTIVE%22&limit=2", expect=200)
    c("GET", "/api/v1/users?filter=profile.department%20eq%20%22x%22", expect=400)
    c("GET", "/api/v1/users/00unothere", expect=404)
    c("POST", "/api/v1/users", {"profile": {"login": "no"}}, expect=400)
    c("GET", "/api/v1/logs?limit=20", expect=200)
    c("GET", "/api/v1/logs?filter=eventType%20eq", expect=400)
    apps = c("GET", "/api/v1/apps?limit=20", expect=200)
    c("GET", f"/api/v1/apps/{apps[0]['id']}", expect=200)
    c("GET", f"/api/v1/apps/{SOURCE}/users?limit=5", expect=200)
    c("GET", "/api/v1/groups", expect=200)
    c("GET", "/api/v1/groups/00gnothere", expect=404)
    sessions = f"/api/v1/identity-sources/{SOURCE}/sessions"
    listed = c("GET", sessions, expect=200)
    c("GET", f"{sessions}/{listed[0]['id']}", expect=200)
    opened = c("POST", sessions, expect=200)
    c("POST", sessions, expect=400)
    c("POST", f"{sessions}/{opened['id']}/bulk-upsert", {"profiles": [{"externalId": "x", "profile": {"email": "a@b"}}]}, expect=400)
    c("POST", f"{sessions}/{opened['id']}/bulk-groups-upsert", {"profiles": [{"externalId": "g", "profile": {"displayName": "G"}}]}, expect=202)
    c("POST", f"{sessions}/{opened['id']}/start-import", expect=200)
    c("DELETE", f"{sessions}/{opened['id']}", expect=400)
    c("POST", f"/api/v1/apps/{SOURCE}/imports", {"importType": "FULL"}, expect=400)
    print(json.dumps({"checked": checked, "againstOkta": against_okta}))


main()
