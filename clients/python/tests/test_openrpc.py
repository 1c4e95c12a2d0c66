"""The client and the daemon's OpenRPC document (protocol/openrpc.json) must agree: requests,
client notifications, server notifications and error kinds."""
import json

import pytest

import jirad

pytestmark = pytest.mark.integration  # protocol/openrpc.json comes from the daemon build


@pytest.fixture(scope="module")
def doc(openrpc_path):
    return json.loads(openrpc_path.read_text())


def test_requests_match_the_typed_methods(doc):
    # OpenRPC: a method without `result` is a notification.
    served = {m["name"] for m in doc["methods"] if "result" in m}
    ours = set(jirad.method_table())
    assert sorted(served - ours) == [], "requests the daemon serves but the client lacks"
    assert sorted(ours - served) == [], "client methods the daemon does not serve"


def test_client_notifications_match(doc):
    served = {m["name"] for m in doc["methods"] if "result" not in m}
    assert served == set(jirad.CLIENT_NOTIFICATIONS)


def test_every_server_notification_is_known(doc):
    sent = {n["name"] for n in doc.get("x-notifications", [])}
    assert sorted(sent - set(jirad.SERVER_NOTIFICATIONS)) == []


def test_error_kinds_match(doc):
    assert {k["kind"] for k in doc["x-error-kinds"]} == set(jirad.KINDS)


def test_typed_methods_take_exactly_the_params_the_daemon_takes(doc):
    # The daemon refuses unknown keys; a typed method must not send one, nor lack a param.
    from jirad import api
    params = {m["name"]: {p["name"] for p in m["params"]} for m in doc["methods"]}
    extra = []
    for method, path in jirad.method_table().items():
        cls_name, _, attr = path.rpartition(".")
        cls = {prefix.rstrip("."): c for prefix, c in api._walk()}[cls_name]
        import inspect
        sig = inspect.signature(getattr(cls, attr))
        ours = {api.camel(n) for n in sig.parameters if n != "self"}
        if not ours <= params[method]:
            extra.append(f"{method}: {sorted(ours - params[method])}")
    assert extra == [], "typed methods sending keys the daemon refuses"
