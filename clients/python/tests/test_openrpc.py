"""The typed API and the daemon's OpenRPC document must name the same methods."""
import json

import pytest

import jirad

pytestmark = pytest.mark.integration  # protocol/openrpc.json comes from the daemon build


def test_method_table_matches_openrpc(openrpc_path):
    doc = json.loads(openrpc_path.read_text())
    served = {m["name"] for m in doc["methods"]}
    ours = set(jirad.method_table())
    # rpc.discover is implicit in OpenRPC: a document may or may not list itself.
    served.discard("rpc.discover")
    ours.discard("rpc.discover")
    assert sorted(served - ours) == [], "methods the daemon serves but the client lacks"
    assert sorted(ours - served) == [], "client methods the daemon does not serve"
