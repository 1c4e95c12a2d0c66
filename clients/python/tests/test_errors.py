"""Errors map by data.kind, never by numeric code; each class exposes its data."""
import pytest

import jirad
from jirad import errors


@pytest.mark.parametrize("kind,cls", [
    ("authRequired", jirad.AuthRequired), ("authFailed", jirad.AuthFailed),
    ("forbidden", jirad.Forbidden), ("notFound", jirad.NotFound),
    ("invalidFields", jirad.InvalidFields), ("rateLimited", jirad.RateLimited),
    ("upstreamUnavailable", jirad.UpstreamUnavailable), ("conflict", jirad.Conflict),
    ("siteAmbiguous", jirad.SiteAmbiguous), ("configError", jirad.ConfigError),
    ("upstreamRemoved", jirad.UpstreamRemoved), ("lossyUpdate", jirad.LossyUpdate),
    ("limitExceeded", jirad.LimitExceeded),
])
def test_every_kind_has_its_class(kind, cls):
    # A code that means something else must not win over the kind.
    e = jirad.from_error({"code": -32601, "message": "m", "data": {"kind": kind}})
    assert type(e) is cls and e.kind == kind
    assert isinstance(e, jirad.JiradError) and e.code == -32601 and e.message == "m"


def test_all_protocol_kinds_are_covered():
    assert set(jirad.KINDS) == {
        "authRequired", "authFailed", "forbidden", "notFound", "invalidFields", "rateLimited",
        "upstreamUnavailable", "conflict", "siteAmbiguous", "configError", "upstreamRemoved",
        "lossyUpdate", "limitExceeded"}


def test_auth_required_carries_the_link():
    e = jirad.from_error({"code": 1, "message": "log in", "data": {
        "kind": "authRequired", "profile": "work", "authorizationUrl": "http://127.0.0.1/a"}})
    assert e.authorization_url == "http://127.0.0.1/a" and e.profile == "work"


def test_rate_limited_invalid_fields_site_ambiguous_expose_data():
    rl = jirad.from_error({"code": 7, "message": "slow", "data": {
        "kind": "rateLimited", "retryAfterMs": 1500, "reason": "jira-burst-based"}})
    assert (rl.retry_after_ms, rl.reason) == (1500, "jira-burst-based")
    inv = jirad.from_error({"code": 8, "message": "bad", "data": {
        "kind": "invalidFields", "errors": {"summary": "required"}, "errorMessages": ["x"]}})
    assert inv.errors == {"summary": "required"} and inv.error_messages == ["x"]
    sa = jirad.from_error({"code": 9, "message": "which", "data": {
        "kind": "siteAmbiguous", "sites": [{"id": "a"}, {"id": "b"}]}})
    assert [s["id"] for s in sa.sites] == ["a", "b"]


@pytest.mark.parametrize("code,cls", [
    (-32700, errors.ParseError), (-32600, errors.InvalidRequest),
    (-32601, errors.MethodNotFound), (-32602, errors.InvalidParams),
    (-32603, errors.InternalError), (-32800, errors.RequestCancelled), (-1, jirad.JiradError),
])
def test_standard_codes_without_kind(code, cls):
    e = jirad.from_error({"code": code, "message": "x"})
    assert type(e) is cls and e.data == {}


def test_unknown_kind_stays_visible():
    e = jirad.from_error({"code": 1, "message": "new", "data": {"kind": "somethingNew"}})
    assert type(e) is jirad.JiradError and e.kind == "somethingNew"


def test_missing_fields_do_not_crash():
    assert jirad.from_error({"code": 1, "message": "x", "data": {"kind": "authRequired"}}).authorization_url is None
    assert isinstance(jirad.from_error("nonsense"), errors.InternalError)


def test_invalid_params_carries_the_path_and_the_key_meant():
    e = jirad.from_error({"code": -32602, "message": "Invalid params: unknown field `sumary`; "
                          "did you mean `summary`?", "data": {
                              "kind": "invalidParams", "path": "$.sumary", "field": "sumary",
                              "didYouMean": "summary", "expected": ["key", "summary"]}})
    assert type(e) is errors.InvalidParams and e.kind == "invalidParams"
    assert (e.path, e.field, e.did_you_mean) == ("$.sumary", "sumary", "summary")


def test_typed_methods_refuse_an_unknown_keyword_before_sending():
    from jirad.api import Issues
    sent = []
    issues = Issues(lambda method, params: sent.append((method, params)))
    with pytest.raises(jirad.UnknownArgument) as e:
        issues.update("DEMO-1", sumary="x")
    err = e.value
    assert isinstance(err, jirad.InvalidParams) and isinstance(err, TypeError)
    assert str(err) == "Invalid params: unknown field `sumary`; did you mean `summary`?"
    assert (err.code, err.kind, err.field, err.did_you_mean, err.path) == (
        -32602, "invalidParams", "sumary", "summary", "$.sumary")
    with pytest.raises(jirad.UnknownArgument) as e:
        issues.delete("DEMO-1", deleteSubtasks=True)
    assert e.value.did_you_mean == "delete_subtasks"
    with pytest.raises(jirad.UnknownArgument) as e:
        issues.list(projct="OPS")
    assert e.value.did_you_mean == "project"
    assert sent == [], "nothing was sent"
    issues.update("DEMO-1", summary="x", add_labels=["a"])
    assert sent == [("issues/update", {"key": "DEMO-1", "summary": "x", "addLabels": ["a"]})]
